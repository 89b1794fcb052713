package dev.anneal.server.kafka;

import dev.anneal.events.KafkaSettings;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Map;

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
        return new KafkaSettings(config.bootstrapServers(), security(config));
    }

    /**
     * The security properties: {@code anneal.kafka.client.*} as given, then the named settings
     * ({@code ANNEAL_KAFKA_SECURITY_PROTOCOL}, {@code _SASL_MECHANISM}, {@code _SASL_JAAS_CONFIG}
     * or {@code _SASL_USERNAME} and {@code _SASL_PASSWORD}, {@code _SSL_TRUSTSTORE_*}), which win.
     */
    static Map<String, String> security(KafkaConfig config) {
        Map<String, String> security = new HashMap<>(config.client());
        config.securityProtocol().ifPresent(v -> security.put("security.protocol", v));
        config.saslMechanism().ifPresent(v -> security.put("sasl.mechanism", v));
        config.sslTruststoreLocation().ifPresent(v -> security.put("ssl.truststore.location", v));
        config.sslTruststorePassword().ifPresent(v -> security.put("ssl.truststore.password", v));
        config.sslTruststoreType().ifPresent(v -> security.put("ssl.truststore.type", v));
        config.saslJaasConfig().ifPresent(v -> security.put("sasl.jaas.config", v));
        if (config.saslJaasConfig().isEmpty() && config.saslUsername().isPresent()) {
            String mechanism = security.getOrDefault("sasl.mechanism", "GSSAPI");
            String module =
                    mechanism.startsWith("SCRAM-")
                            ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                            : mechanism.equals("PLAIN")
                                    ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                                    : null;
            if (module == null) {
                throw new IllegalArgumentException(
                        "ANNEAL_KAFKA_SASL_USERNAME needs ANNEAL_KAFKA_SASL_MECHANISM PLAIN or"
                                + " SCRAM-SHA-256/512; for "
                                + mechanism
                                + " give ANNEAL_KAFKA_SASL_JAAS_CONFIG.");
            }
            security.put(
                    "sasl.jaas.config",
                    module
                            + " required username=\""
                            + config.saslUsername().get()
                            + "\" password=\""
                            + config.saslPassword().orElse("")
                            + "\";");
        }
        return security;
    }
}
