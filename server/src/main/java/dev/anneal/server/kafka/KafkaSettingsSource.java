package dev.anneal.server.kafka;

import dev.anneal.events.KafkaSettings;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Makes the one {@link KafkaSettings} of the process, from {@code anneal.kafka.*}, that every Kafka
 * client of every module is built from.
 */
@Singleton
public class KafkaSettingsSource {

    /**
     * @throws IllegalArgumentException when a client property is not a security property, naming
     *     its key; the first bean that needs Kafka then fails the start
     */
    @Produces
    @Singleton
    KafkaSettings kafkaSettings(KafkaConfig config) {
        return new KafkaSettings(config.bootstrapServers(), config.client());
    }
}
