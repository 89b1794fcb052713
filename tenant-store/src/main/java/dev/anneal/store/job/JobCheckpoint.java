package dev.anneal.store.job;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.TenantId;

/**
 * A checkpoint a job saved: its step and metrics here, its files (a zip archive of the checkpoint
 * folder) as the tenant's encrypted blob named after its id.
 */
@Entity
@Table(name = "job_checkpoint")
public class JobCheckpoint {

    @Id private String id;

    @TenantId
    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    @Column(name = "job_id", nullable = false)
    private String jobId;

    @Column(nullable = false)
    private int step;

    /** A JSON object of the metrics at that step. */
    @Column(nullable = false)
    private String metrics;

    @Column(nullable = false)
    private long bytes;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected JobCheckpoint() {}

    public String id() {
        return id;
    }

    public String jobId() {
        return jobId;
    }

    public int step() {
        return step;
    }

    public String metrics() {
        return metrics;
    }

    public long bytes() {
        return bytes;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
