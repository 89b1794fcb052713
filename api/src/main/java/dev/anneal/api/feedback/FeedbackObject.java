package dev.anneal.api.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.store.feedback.PreferenceFeedback;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * A stored judgement as the API shows it: the record of the contract ({@code docs/feedback.md})
 * without {@code tenant_id}, with {@code object} "feedback", {@code id} (= {@code event_id}) and
 * when it was stored.
 */
public record FeedbackObject(
        String id,
        String object,
        String eventId,
        String type,
        Instant createdAt,
        Instant receivedAt,
        JsonNode prompt,
        JsonNode chosen,
        JsonNode rejected,
        String chosenModel,
        String rejectedModel,
        JsonNode completion,
        String model,
        Double score,
        String annotatorId,
        JsonNode metadata) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static FeedbackObject of(PreferenceFeedback f) {
        return new FeedbackObject(
                f.eventId().toString(),
                "feedback",
                f.eventId().toString(),
                f.type(),
                f.createdAt(),
                f.receivedAt(),
                parse(f.prompt()),
                parse(f.chosen()),
                parse(f.rejected()),
                f.chosenModel(),
                f.rejectedModel(),
                parse(f.completion()),
                f.model(),
                f.score(),
                f.annotatorId(),
                parse(f.metadata()));
    }

    private static JsonNode parse(String json) {
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
