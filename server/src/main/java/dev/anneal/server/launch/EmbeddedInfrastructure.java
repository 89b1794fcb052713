package dev.anneal.server.launch;

import dev.anneal.events.KafkaSettings;
import dev.anneal.server.standalone.EmbeddedKafkaBroker;
import dev.anneal.server.standalone.EmbeddedPostgresServer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Standalone mode's servers: an embedded PostgreSQL and an embedded KRaft broker, each started only
 * when no external one is configured, with their state under the data folder. {@link
 * #configuration()} tells the application how to reach them.
 */
public final class EmbeddedInfrastructure implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedInfrastructure.class);

    private final EmbeddedPostgresServer postgres;
    private final EmbeddedKafkaBroker kafka;
    private final Map<String, String> configuration;

    private EmbeddedInfrastructure(
            EmbeddedPostgresServer postgres,
            EmbeddedKafkaBroker kafka,
            Map<String, String> configuration) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.configuration = Map.copyOf(configuration);
    }

    /** Starts what the settings do not name as external. */
    public static EmbeddedInfrastructure start(LaunchSettings settings) throws IOException {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("anneal.data-dir", settings.dataDir().toString());
        EmbeddedPostgresServer postgres = null;
        EmbeddedKafkaBroker kafka = null;
        try {
            if (settings.dbUrl().isEmpty()) {
                postgres =
                        EmbeddedPostgresServer.start(
                                settings.dataDir().resolve("postgres"), settings.dbPort());
                config.put("anneal.db.url", postgres.jdbcUrl());
                config.put("anneal.db.user", postgres.username());
                config.put("anneal.db.password", postgres.password());
                LOG.infof("Embedded PostgreSQL at %s", postgres.jdbcUrl());
            }
            if (settings.kafkaBootstrapServers().isEmpty()) {
                kafka =
                        EmbeddedKafkaBroker.start(
                                settings.dataDir().resolve("kafka"),
                                settings.kafkaHost(),
                                settings.kafkaPort(),
                                settings.kafkaControllerPort());
                config.putAll(kafka.clientConfiguration());
                LOG.infof("Embedded Kafka broker at %s", kafka.bootstrapServers());
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(kafka);
            closeQuietly(postgres);
            throw e;
        }
        return new EmbeddedInfrastructure(postgres, kafka, config);
    }

    /** Configuration properties that point the application at these servers. */
    public Map<String, String> configuration() {
        return configuration;
    }

    /** The platform principal's client settings for the embedded broker (tests, benchmarks). */
    public KafkaSettings kafkaSettings() {
        if (kafka == null) {
            throw new IllegalStateException("No embedded Kafka broker: an external one is set");
        }
        return kafka.clientSettings();
    }

    /** Stops the broker, then the database; safe to call more than once. */
    @Override
    public void close() {
        closeQuietly(kafka);
        closeQuietly(postgres);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warnf(e, "Could not stop %s cleanly", closeable.getClass().getSimpleName());
        }
    }
}
