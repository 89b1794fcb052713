package dev.anneal.server.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;

/** How the platform reaches Kafka ({@code anneal.kafka.*}, env {@code ANNEAL_KAFKA_*}). */
@ConfigMapping(prefix = "anneal.kafka")
public interface KafkaSettings {

    /** Comma-separated {@code host:port} list; standalone mode fills it with its own broker. */
    String bootstrapServers();

    /** Partitions of topics the platform creates. */
    @WithDefault("3")
    int partitions();

    /** Replication factor of topics the platform creates; 1 on a single broker. */
    @WithDefault("1")
    short replicationFactor();

    /** Client properties shared by every producer, consumer and admin client. */
    default Map<String, Object> clientProperties() {
        return Map.of("bootstrap.servers", bootstrapServers());
    }
}
