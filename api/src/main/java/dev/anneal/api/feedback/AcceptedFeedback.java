package dev.anneal.api.feedback;

/** A record that Kafka acknowledged: {@code {"object": "feedback", "event_id": "…"}}. */
public record AcceptedFeedback(String object, String eventId) {

    static AcceptedFeedback of(String eventId) {
        return new AcceptedFeedback("feedback", eventId);
    }
}
