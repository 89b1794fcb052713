package dev.anneal.feedback;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The consumer's meters, in {@code /q/metrics} as {@code anneal_feedback_records_stored_total},
 * {@code anneal_feedback_records_duplicate_total}, {@code
 * anneal_feedback_records_dead_lettered_total{reason}} and {@code anneal_feedback_consumer_lag}.
 */
@ApplicationScoped
public class FeedbackMetrics {

    private final MeterRegistry registry;
    private final Counter stored;
    private final Counter duplicates;
    private final AtomicLong lag = new AtomicLong();

    @Inject
    FeedbackMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.stored =
                Counter.builder("anneal.feedback.records.stored")
                        .description("Preference records stored")
                        .register(registry);
        this.duplicates =
                Counter.builder("anneal.feedback.records.duplicate")
                        .description("Preference records dropped as repeats of a stored event id")
                        .register(registry);
        for (String reason : DeadLetter.REASONS) {
            deadLetterCounter(reason);
        }
        Gauge.builder("anneal.feedback.consumer.lag", lag, AtomicLong::get)
                .description("Records not yet read, summed over this consumer's partitions")
                .register(registry);
    }

    void stored(int count) {
        stored.increment(count);
    }

    void duplicates(int count) {
        duplicates.increment(count);
    }

    void deadLettered(String reason) {
        deadLetterCounter(reason).increment();
    }

    private Counter deadLetterCounter(String reason) {
        return Counter.builder("anneal.feedback.records.dead_lettered")
                .description("Preference records sent to the dead-letter topic")
                .tag("reason", reason)
                .register(registry);
    }

    void lag(long records) {
        lag.set(records);
    }
}
