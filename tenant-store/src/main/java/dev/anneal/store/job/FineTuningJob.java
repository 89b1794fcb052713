package dev.anneal.store.job;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hibernate.annotations.TenantId;

/**
 * A tenant's fine-tuning job, OpenAI's job object in the database, plus its place in the queue
 * (lease owner and expiry, attempts). Read through {@link JobRepository}; its life after creation
 * is written by {@link JobQueue} only.
 */
@Entity
@Table(name = "fine_tuning_job")
public class FineTuningJob {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Id private String id;

    @TenantId
    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    @Column(insertable = false, updatable = false)
    private Long seq;

    @Column(nullable = false)
    private String model;

    @Column(name = "training_file", nullable = false)
    private String trainingFile;

    @Column(name = "validation_file")
    private String validationFile;

    private String suffix;

    @Column(nullable = false)
    private long seed;

    @Column(nullable = false)
    private String method;

    @Column(nullable = false)
    private String spec;

    private String metadata;

    @Column(nullable = false)
    private String status;

    @Column(name = "error_code")
    private String errorCode;

    @Column(name = "error_message")
    private String errorMessage;

    @Column(name = "error_param")
    private String errorParam;

    @Column(name = "fine_tuned_model")
    private String fineTunedModel;

    @Column(name = "trained_tokens")
    private Long trainedTokens;

    @Column(name = "result_files")
    private String resultFiles;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "started_at")
    private Instant startedAt;

    @Column(name = "finished_at")
    private Instant finishedAt;

    @Column(name = "estimated_finish")
    private Instant estimatedFinish;

    @Column(name = "cancel_requested", nullable = false)
    private boolean cancelRequested;

    @Column(name = "lease_owner")
    private String leaseOwner;

    @Column(name = "lease_expires_at")
    private Instant leaseExpiresAt;

    @Column(nullable = false)
    private int attempts;

    @Column(name = "event_count", nullable = false)
    private int eventCount;

    protected FineTuningJob() {}

    FineTuningJob(
            String id,
            String model,
            String trainingFile,
            String validationFile,
            String suffix,
            long seed,
            JobSpec spec,
            Map<String, String> metadata,
            Instant createdAt,
            int eventCount) {
        this.id = id;
        this.model = model;
        this.trainingFile = trainingFile;
        this.validationFile = validationFile;
        this.suffix = suffix;
        this.seed = seed;
        this.method = spec.method().wireName();
        this.spec = spec.toJson();
        this.metadata = metadata == null ? null : write(metadata);
        this.status = JobStatus.QUEUED.wireName();
        this.createdAt = createdAt;
        this.eventCount = eventCount;
    }

    public String id() {
        return id;
    }

    public String tenantId() {
        return tenantId;
    }

    public String model() {
        return model;
    }

    public String trainingFile() {
        return trainingFile;
    }

    public String validationFile() {
        return validationFile;
    }

    public String suffix() {
        return suffix;
    }

    public long seed() {
        return seed;
    }

    public JobSpec spec() {
        return JobSpec.fromJson(spec);
    }

    /** The caller's key-value pairs, or {@code null}. */
    public Map<String, String> metadata() {
        return metadata == null ? null : read(metadata, new TypeReference<>() {});
    }

    public JobStatus status() {
        return JobStatus.fromWireName(status);
    }

    /** OpenAI's error object of a failed job, or {@code null}. */
    public JobError error() {
        return errorCode == null ? null : new JobError(errorCode, errorMessage, errorParam);
    }

    /**
     * The name the job's fine-tuned model gets: {@code ft:<base>:<suffix>:<job id>}, where base is
     * the base model at the root of the lineage when the job continues from a fine-tuned model.
     */
    public String outputModelName() {
        String base = model.startsWith("ft:") ? model.split(":")[1] : model;
        return "ft:" + base + ":" + (suffix == null ? "" : suffix) + ":" + id;
    }

    public String fineTunedModel() {
        return fineTunedModel;
    }

    public Long trainedTokens() {
        return trainedTokens;
    }

    /** Ids of the tenant files the job produced (its metrics CSV). */
    public List<String> resultFiles() {
        return resultFiles == null ? List.of() : read(resultFiles, new TypeReference<>() {});
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    public Instant estimatedFinish() {
        return estimatedFinish;
    }

    public boolean cancelRequested() {
        return cancelRequested;
    }

    /** How many times a worker claimed the job; more than one means it was taken over. */
    public int attempts() {
        return attempts;
    }

    /** Marks a queued job cancelled at once; for the repository's cancel. */
    void cancelNow(Instant at) {
        status = JobStatus.CANCELLED.wireName();
        finishedAt = at;
        cancelRequested = true;
    }

    /** Asks the worker running the job to stop; for the repository's cancel. */
    void requestCancel() {
        cancelRequested = true;
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable JSON column of a job", e);
        }
    }
}
