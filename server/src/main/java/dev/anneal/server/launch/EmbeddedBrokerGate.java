package dev.anneal.server.launch;

import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.interceptor.Interceptor;
import java.io.IOException;

/**
 * In standalone mode the application starts while the embedded broker is still starting (ADR 0044):
 * its configuration, database migrations, ORM and beans need only the broker's address. This gate
 * holds the first start-up step that uses Kafka ({@code KafkaTopics}, which creates the platform's
 * topics) and every one after it until the broker serves; a broker that failed to start fails the
 * application's start with the broker's error.
 */
@Startup(Interceptor.Priority.PLATFORM_BEFORE - 1)
@ApplicationScoped
class EmbeddedBrokerGate {

    @PostConstruct
    void awaitEmbeddedBroker() throws IOException {
        if (AnnealMain.startedHere().isPresent()) {
            AnnealMain.startedHere().get().awaitKafka();
        }
    }
}
