package dev.anneal.feedback;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness of the feedback consumer: DOWN when its thread stopped on an error, or when a batch has
 * kept failing for longer than {@code anneal.feedback.unhealthy-after}; a restart is then the
 * remedy, and loses nothing since offsets are committed only after the records were stored.
 */
@Liveness
@ApplicationScoped
public class FeedbackConsumerHealth implements HealthCheck {

    private final PreferenceFeedbackConsumer consumer;
    private final FeedbackSettings settings;

    @Inject
    FeedbackConsumerHealth(PreferenceFeedbackConsumer consumer, FeedbackSettings settings) {
        this.consumer = consumer;
        this.settings = settings;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder health =
                HealthCheckResponse.named("feedback-consumer")
                        .withData("running", consumer.enabled());
        if (!consumer.enabled()) {
            return health.up().build();
        }
        if (consumer.died()) {
            return health.down().build(); // what happened is in the log, not shown to anyone
        }
        Instant failingSince = consumer.failingSince();
        if (failingSince != null) {
            health.withData("failing_since", failingSince.toString());
        }
        boolean stuck =
                failingSince != null
                        && Duration.between(failingSince, Instant.now())
                                        .compareTo(settings.unhealthyAfter())
                                > 0;
        return health.status(!stuck).build();
    }
}
