package dev.anneal.server.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How the platform reaches Kafka and shapes its topics ({@code anneal.kafka.*}, env {@code
 * ANNEAL_KAFKA_*}). Clients are not built from this but from the {@link
 * dev.anneal.events.KafkaSettings} that {@link KafkaSettingsSource} makes of it.
 */
@ConfigMapping(prefix = "anneal.kafka")
public interface KafkaConfig {

    /** Comma-separated {@code host:port} list; standalone mode fills it with its own broker. */
    String bootstrapServers();

    /**
     * Security properties given to every Kafka client, by their Kafka name: {@code
     * anneal.kafka.client.security.protocol=SASL_SSL} (env {@code
     * ANNEAL_KAFKA_CLIENT_SECURITY_PROTOCOL}) sets {@code security.protocol}. Only {@code
     * security.*}, {@code sasl.*} and {@code ssl.*}; none by default (plaintext).
     */
    @WithName("client")
    Map<String, String> client();

    /** {@code security.protocol}: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
    Optional<String> securityProtocol();

    /** {@code sasl.mechanism}: SCRAM-SHA-512, SCRAM-SHA-256, PLAIN… */
    Optional<String> saslMechanism();

    /** {@code sasl.jaas.config} as is; or give {@link #saslUsername()} and the password. */
    Optional<String> saslJaasConfig();

    /** The SASL user; with {@link #saslPassword()}, makes the JAAS line for the mechanism. */
    Optional<String> saslUsername();

    Optional<String> saslPassword();

    /** {@code ssl.truststore.location}: the CA certificates that sign the brokers'. */
    Optional<String> sslTruststoreLocation();

    Optional<String> sslTruststorePassword();

    /** {@code ssl.truststore.type}: PKCS12, JKS or PEM. */
    Optional<String> sslTruststoreType();

    /** Partitions of topics the platform creates. */
    @WithDefault("3")
    int partitions();

    /**
     * How long the platform's topics keep records ({@code retention.ms}), set on every start, on
     * topics made earlier too: the horizon for feedback text and job events in Kafka, which an
     * erased tenant's data outlives at most by this plus a seventh of it (the segment that is still
     * being written is kept until it rolls, every seventh of the retention).
     */
    @WithDefault("7d")
    Duration retention();

    /** Replication factor of topics the platform creates; 1 on a single broker. */
    @WithDefault("1")
    short replicationFactor();

    /**
     * Whether the platform creates its topics at start and sets their retention ({@code
     * ANNEAL_KAFKA_CREATE_TOPICS}, true); false where an operator owns them (Strimzi's {@code
     * KafkaTopic}s), and the platform then only reports those missing. Tenants' own topics are made
     * on demand either way.
     */
    @WithDefault("true")
    boolean createTopics();
}
