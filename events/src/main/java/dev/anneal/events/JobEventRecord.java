package dev.anneal.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Objects;

/**
 * One event of a fine-tuning job as published on {@link Topics#JOB_EVENTS}, keyed by job id, as
 * JSON (snake_case):
 *
 * <pre>{@code
 * {"schema": "anneal.job-event.v1", "id": "ftevent-…", "tenant_id": "tenant-…",
 *  "job_id": "ftjob-…", "seq": 7, "created_at": "2026-11-27T14:00:00Z", "level": "info",
 *  "type": "metrics", "message": "Step 10/40: training loss=2.31", "data": {"step": 10, …}}
 * }</pre>
 *
 * <p>{@code seq} numbers a job's events 1, 2, 3, … without gaps, in the order they happened; a
 * reader that saw event {@code n} next expects {@code n + 1}. The database holds the same events
 * and is the source of truth; the topic is their live feed.
 *
 * @param schema always {@link #SCHEMA}; a later incompatible shape gets a new name
 * @param id the event's id
 * @param tenantId the owning tenant
 * @param jobId the job
 * @param seq the event's position in its job, from 1
 * @param createdAt when it happened
 * @param level {@code info}, {@code warn} or {@code error}
 * @param type {@code message} or {@code metrics}
 * @param message a human-readable line
 * @param data structured details (a JSON object), or {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEventRecord(
        @JsonProperty("schema") String schema,
        String id,
        String tenantId,
        String jobId,
        int seq,
        Instant createdAt,
        String level,
        String type,
        String message,
        JsonNode data) {

    /** The name and version of this record type. */
    public static final String SCHEMA = "anneal.job-event.v1";

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** Checks the required fields. */
    public JobEventRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenantId, "tenant_id");
        Objects.requireNonNull(jobId, "job_id");
        Objects.requireNonNull(createdAt, "created_at");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        if (!SCHEMA.equals(schema)) {
            throw new IllegalArgumentException("schema must be " + SCHEMA + ", got " + schema);
        }
    }

    /** The record as UTF-8 JSON, the topic's value. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a record from the topic.
     *
     * @throws IllegalArgumentException if the bytes are not a valid record of this type
     */
    public static JobEventRecord fromJson(byte[] json) {
        try {
            return JSON.readValue(json, JobEventRecord.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("Not a " + SCHEMA + " record: " + e.getMessage(), e);
        }
    }
}
