package dev.anneal.store.feedback;

import java.time.Instant;
import java.util.UUID;

/**
 * A judgement on its way into {@code preference_feedback}, as plain values: what the feedback
 * consumer builds from a record and {@link PreferenceFeedbackRepository#storeAll} writes. Its texts
 * are sealed as they are written; {@link PreferenceFeedback} is the stored row read back.
 *
 * @param tenantId the owning tenant
 * @param eventId the client's id of the judgement, unique per tenant
 * @param type {@code pairwise} or {@code rating}
 * @param createdAt when the judgement was made, to the microsecond
 * @param receivedAt when the consumer read it, to the microsecond
 * @param prompt the prompt's messages as JSON text
 * @param chosen pairwise: the preferred answer as JSON text, else {@code null}
 * @param rejected pairwise: the other answer as JSON text, else {@code null}
 * @param chosenModel pairwise: the model of {@code chosen}, else {@code null}
 * @param rejectedModel pairwise: the model of {@code rejected}, else {@code null}
 * @param completion rating: the rated answer as JSON text, else {@code null}
 * @param model rating: the model of {@code completion}, else {@code null}
 * @param score rating: the score, else {@code null}
 * @param annotatorId who judged, or {@code null}
 * @param metadata the metadata as a JSON object's text, never {@code null}
 */
public record FeedbackRow(
        String tenantId,
        UUID eventId,
        String type,
        Instant createdAt,
        Instant receivedAt,
        String prompt,
        String chosen,
        String rejected,
        String chosenModel,
        String rejectedModel,
        String completion,
        String model,
        Double score,
        String annotatorId,
        String metadata) {}
