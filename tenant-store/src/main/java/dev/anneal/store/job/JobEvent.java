package dev.anneal.store.job;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.TenantId;

/**
 * One event of a job: a status change, a metrics line, a checkpoint, an intervention of the
 * training loop. {@link #jobSeq()} numbers a job's events 1, 2, 3, … without gaps.
 */
@Entity
@Table(name = "job_event")
public class JobEvent {

    @Id private String id;

    @TenantId
    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    @Column(name = "job_id", nullable = false)
    private String jobId;

    @Column(name = "job_seq", nullable = false)
    private int jobSeq;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(nullable = false)
    private String level;

    @Column(nullable = false)
    private String type;

    @Column(nullable = false)
    private String message;

    /** A JSON object, or null. */
    private String data;

    protected JobEvent() {}

    JobEvent(
            String id,
            String tenantId,
            String jobId,
            int jobSeq,
            Instant createdAt,
            String level,
            String type,
            String message,
            String data) {
        this.id = id;
        this.tenantId = tenantId;
        this.jobId = jobId;
        this.jobSeq = jobSeq;
        this.createdAt = createdAt;
        this.level = level;
        this.type = type;
        this.message = message;
        this.data = data;
    }

    public String id() {
        return id;
    }

    public String tenantId() {
        return tenantId;
    }

    public String jobId() {
        return jobId;
    }

    public int jobSeq() {
        return jobSeq;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public String level() {
        return level;
    }

    public String type() {
        return type;
    }

    public String message() {
        return message;
    }

    /** Structured details as a JSON object text, or {@code null}. */
    public String data() {
        return data;
    }
}
