package dev.anneal.server.launch;

import dev.anneal.events.KafkaSettings;
import dev.anneal.server.standalone.BackgroundStart;
import dev.anneal.server.standalone.EmbeddedKafkaBroker;
import dev.anneal.server.standalone.EmbeddedPostgresServer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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

    /**
     * Starts what the settings do not name as external, and returns once both serve: what tests and
     * benchmarks start beside the servers they run.
     */
    public static EmbeddedInfrastructure start(LaunchSettings settings) throws IOException {
        EmbeddedInfrastructure infrastructure = begin(settings);
        try {
            infrastructure.awaitKafka();
        } catch (IOException | RuntimeException e) {
            infrastructure.close();
            throw e;
        }
        return infrastructure;
    }

    /**
     * Starts what the settings do not name as external, PostgreSQL (a child process, mostly waiting
     * on it) and the broker each on a thread of its own, and returns once PostgreSQL serves, the
     * broker still starting: the application needs the database to start, but only the broker's
     * address and credentials, and starts beside it (its clients wait for the broker; readiness
     * says DOWN until it answers). {@link #awaitKafka} waits for the broker.
     */
    public static EmbeddedInfrastructure begin(LaunchSettings settings) throws IOException {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("anneal.data-dir", settings.dataDir().toString());
        CompletableFuture<EmbeddedPostgresServer> postgres =
                settings.dbUrl().isEmpty()
                        ? BackgroundStart.run(
                                "anneal-embedded-postgres-start",
                                () ->
                                        EmbeddedPostgresServer.start(
                                                settings.dataDir().resolve("postgres"),
                                                settings.dbPort()))
                        : CompletableFuture.completedFuture(null);
        EmbeddedKafkaBroker kafka = null;
        try {
            if (settings.kafkaBootstrapServers().isEmpty()) {
                kafka =
                        EmbeddedKafkaBroker.startInBackground(
                                settings.dataDir().resolve("kafka"),
                                settings.kafkaHost(),
                                settings.kafkaPort(),
                                settings.kafkaControllerPort());
            }
        } catch (IOException | RuntimeException e) {
            closeWhenStarted(postgres);
            throw e;
        }
        EmbeddedPostgresServer database;
        try {
            database = BackgroundStart.join(postgres);
        } catch (IOException | RuntimeException e) {
            closeQuietly(kafka);
            throw e;
        }
        if (database != null) {
            config.put("anneal.db.url", database.jdbcUrl());
            config.put("anneal.db.user", database.username());
            config.put("anneal.db.password", database.password());
            LOG.infof("Embedded PostgreSQL at %s", database.jdbcUrl());
        }
        if (kafka != null) {
            config.putAll(kafka.clientConfiguration());
            LOG.infof("Embedded Kafka broker at %s", kafka.bootstrapServers());
        }
        return new EmbeddedInfrastructure(database, kafka, config);
    }

    /** Waits for a start that is no longer wanted and stops what it started. */
    private static void closeWhenStarted(CompletableFuture<? extends AutoCloseable> started) {
        try {
            closeQuietly(BackgroundStart.join(started));
        } catch (IOException | RuntimeException e) {
            LOG.debugf(e, "The other embedded server did not start either");
        }
    }

    /**
     * Waits until the embedded broker, if any, serves clients.
     *
     * @throws IOException or the unchecked exception the broker's start failed with
     */
    public void awaitKafka() throws IOException {
        if (kafka != null) {
            kafka.awaitStarted();
        }
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
