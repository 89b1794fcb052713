package dev.anneal.store.model;

import dev.anneal.store.job.TrainingType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.TenantId;

/**
 * A tenant's fine-tuned model, made by one job: a PEFT adapter ({@code lora}) or full Hugging Face
 * weights ({@code full}), kept as a zip archive in the tenant's encrypted blob {@link #blobName()}.
 */
@Entity
@Table(name = "fine_tuned_model")
public class FineTunedModel {

    @Id private String id;

    @TenantId
    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    @Column(name = "job_id", nullable = false)
    private String jobId;

    @Column(name = "base_model", nullable = false)
    private String baseModel;

    @Column(nullable = false)
    private String kind;

    @Column(name = "blob_name", nullable = false)
    private String blobName;

    @Column(nullable = false)
    private long bytes;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected FineTunedModel() {}

    public String id() {
        return id;
    }

    public String tenantId() {
        return tenantId;
    }

    public String jobId() {
        return jobId;
    }

    public String baseModel() {
        return baseModel;
    }

    /** A LoRA adapter or full weights: the training type of the job that made it. */
    public TrainingType kind() {
        return TrainingType.fromWireName(kind);
    }

    public String blobName() {
        return blobName;
    }

    public long bytes() {
        return bytes;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
