package dev.anneal.server.kafka;

import dev.anneal.events.KafkaSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/** Readiness: the Kafka cluster answers. */
@Readiness
@ApplicationScoped
public class KafkaHealthCheck implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(KafkaHealthCheck.class);

    private final KafkaTopics kafka;
    private final KafkaSettings settings;

    @Inject
    KafkaHealthCheck(KafkaTopics kafka, KafkaSettings settings) {
        this.kafka = kafka;
        this.settings = settings;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            int brokers = kafka.liveBrokers(Duration.ofSeconds(3));
            return HealthCheckResponse.named("kafka").up().withData("brokers", brokers).build();
        } catch (Exception e) {
            // health is readable by anyone who reaches it: the address and the error go to the log
            LOG.warnf(
                    "Kafka at %s is not reachable: %s",
                    settings.bootstrapServers(), e.getMessage());
            return HealthCheckResponse.named("kafka").down().build();
        }
    }
}
