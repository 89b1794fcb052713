package dev.anneal.server.kafka;

import dev.anneal.events.KafkaSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: the Kafka cluster answers. */
@Readiness
@ApplicationScoped
public class KafkaHealthCheck implements HealthCheck {

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
            return HealthCheckResponse.named("kafka")
                    .up()
                    .withData("bootstrap_servers", settings.bootstrapServers())
                    .withData("brokers", brokers)
                    .build();
        } catch (Exception e) {
            return HealthCheckResponse.named("kafka")
                    .down()
                    .withData("bootstrap_servers", settings.bootstrapServers())
                    .withData("error", String.valueOf(e.getMessage()))
                    .build();
        }
    }
}
