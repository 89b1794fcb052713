package dev.anneal.api.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.events.JobEventRecord;
import dev.anneal.store.job.JobEvent;
import dev.anneal.store.job.JobEventLog;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * OpenAI's job event object, plus {@code seq}: the event's number within its job (1, 2, 3, …),
 * which the stream and the list share.
 */
public record JobEventObject(
        String id,
        String object,
        long createdAt,
        String level,
        String message,
        JsonNode data,
        String type,
        int seq) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether this is its job's last event: written as the job ended, its data has the status. */
    boolean endsJob() {
        return data != null && data.hasNonNull(JobEventLog.STATUS);
    }

    static JobEventObject of(JobEvent event) {
        return new JobEventObject(
                event.id(),
                "fine_tuning.job.event",
                event.createdAt().getEpochSecond(),
                event.level(),
                event.message(),
                parse(event.data()),
                event.type(),
                event.jobSeq());
    }

    static JobEventObject of(JobEventRecord record) {
        return new JobEventObject(
                record.id(),
                "fine_tuning.job.event",
                record.createdAt().getEpochSecond(),
                record.level(),
                record.message(),
                record.data(),
                record.type(),
                record.seq());
    }

    static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
