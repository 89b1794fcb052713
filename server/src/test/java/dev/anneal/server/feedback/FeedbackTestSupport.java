package dev.anneal.server.feedback;

import dev.anneal.server.TestApi;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.feedback.PreferenceFeedback;
import dev.anneal.store.feedback.PreferenceFeedbackRepository;
import dev.anneal.store.tenant.CurrentTenant;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.assertj.core.api.Assertions;

/** Feedback records as JSON, and tenant-scoped reads of what the consumer stored. */
public final class FeedbackTestSupport {

    private FeedbackTestSupport() {}

    public static String pairwise(String eventId) {
        return """
               {"event_id":"%s","type":"pairwise",
                "prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],
                "chosen":[{"role":"assistant","content":"Hello!"}],
                "rejected":[{"role":"assistant","content":"Go away."}],
                "chosen_model":"anneal-nano","rejected_model":"ft:anneal-nano:x",
                "annotator_id":"ann-1","metadata":{"ui":"test"}}
               """
                .formatted(eventId);
    }

    static String rating(String eventId, int score) {
        return """
               {"event_id":"%s","type":"rating","created_at":"2026-11-27T14:00:00Z",
                "prompt":[{"role":"user","content":"Hi"}],
                "completion":[{"role":"assistant","content":"Hello!"}],
                "model":"anneal-nano","score":%d}
               """
                .formatted(eventId, score);
    }

    /** A pairwise record as a producer inside the deployment writes it to the topic. */
    static String onTopic(String eventId, String tenantId) {
        return pairwise(eventId)
                .replaceFirst(
                        "\\{",
                        "{\"tenant_id\":\""
                                + tenantId
                                + "\",\"created_at\":\"2026-11-27T14:00:00Z\",");
    }

    public static String newEventId() {
        return UUID.randomUUID().toString();
    }

    static Optional<PreferenceFeedback> stored(
            CurrentTenant currentTenant,
            PreferenceFeedbackRepository feedback,
            String tenantId,
            String eventId) {
        return UnitOfWork.call(
                () -> {
                    currentTenant.set(tenantId);
                    return feedback.find(UUID.fromString(eventId));
                });
    }

    static long count(
            CurrentTenant currentTenant, PreferenceFeedbackRepository feedback, String tenantId) {
        return UnitOfWork.call(
                () -> {
                    currentTenant.set(tenantId);
                    return feedback.count();
                });
    }

    /**
     * Waits until {@code key} reads the judgement {@code eventId} through the API (45 s at most).
     */
    public static void awaitReadable(String key, String eventId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (TestApi.as(key).get("/v1/feedback/" + eventId).statusCode() != 200) {
            if (System.nanoTime() > deadline) {
                Assertions.fail("Judgement " + eventId + " was never stored");
            }
            Thread.sleep(100);
        }
    }

    static <T> T await(String what, Supplier<Optional<T>> probe) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            Thread.sleep(100);
        }
        return Assertions.fail("Timed out waiting for " + what);
    }
}
