package dev.anneal.events;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How every Kafka client of the platform reaches the cluster: its bootstrap servers and the
 * security properties ({@code security.*}, {@code sasl.*}, {@code ssl.*}) given unchanged to every
 * producer, consumer and admin client, so that TLS or SASL is turned on by configuration alone.
 * Read from {@code anneal.kafka.bootstrap-servers} and {@code anneal.kafka.client.<property>}.
 *
 * <p>Every client starts from {@link #producer}, {@link #consumer} or {@link #admin} and adds only
 * the settings of its role (acks, group id, offsets…); no other code names the bootstrap servers.
 * Immutable and thread-safe. {@link #toString} leaves out the security values, which may hold
 * passwords.
 *
 * @param bootstrapServers comma-separated {@code host:port} list
 * @param security Kafka client properties by their Kafka name, e.g. {@code security.protocol} →
 *     {@code SASL_SSL}; empty for a plaintext cluster
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> security) {

    /** Where the security properties are configured, before their Kafka name. */
    private static final String SECURITY_PREFIX = "anneal.kafka.client.";

    private static final List<String> SECURITY_NAMESPACES = List.of("security.", "sasl.", "ssl.");

    /**
     * @throws IllegalArgumentException when the bootstrap servers are blank, or a property is not a
     *     security property (naming it), since anything else would change a client's role
     */
    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException(
                    "anneal.kafka.bootstrap-servers must name at least one host:port.");
        }
        Objects.requireNonNull(security, "security");
        for (String name : security.keySet()) {
            if (SECURITY_NAMESPACES.stream().noneMatch(name::startsWith)) {
                throw new IllegalArgumentException(
                        SECURITY_PREFIX
                                + name
                                + ": only security.*, sasl.* and ssl.* Kafka properties can be set"
                                + " for every client.");
            }
        }
        security = Collections.unmodifiableMap(new TreeMap<>(security));
    }

    /** Settings for a plaintext cluster without authentication. */
    public static KafkaSettings plaintext(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, Map.of());
    }

    /**
     * Base properties of a producer named {@code clientId} in the broker: a new map, to which the
     * caller adds its own settings.
     */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> config = common();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return config;
    }

    /**
     * Base properties of a consumer named {@code clientId} in the broker: a new map, to which the
     * caller adds its own settings (group id, offset handling…).
     */
    public Map<String, Object> consumer(String clientId) {
        Map<String, Object> config = common();
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return config;
    }

    /** Properties of an admin client: a new map, to which the caller may add its own settings. */
    public Map<String, Object> admin() {
        return common();
    }

    private Map<String, Object> common() {
        Map<String, Object> config = new HashMap<>(security);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return config;
    }

    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers="
                + bootstrapServers
                + ", security="
                + security.keySet()
                + "]";
    }
}
