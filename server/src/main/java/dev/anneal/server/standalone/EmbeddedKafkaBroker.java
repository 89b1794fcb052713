package dev.anneal.server.standalone;

import dev.anneal.events.KafkaSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

/**
 * A real Apache Kafka broker in this JVM: one KRaft node that is broker and controller at once,
 * keeping its log in a directory of ours so topics and records survive a restart.
 *
 * <p>The PLAINTEXT listener binds {@code host:port} and advertises the same address, so clients on
 * this machine reach it through {@link #bootstrapServers()}; {@code host} must therefore be a name
 * or address clients can use (not {@code 0.0.0.0}). The controller listens on 127.0.0.1 at its own
 * port. The single controller is a static voter ({@code controller.quorum.voters}), which keeps the
 * controller's address out of the log, so its port may change between starts.
 *
 * <p>Single-node settings: replication factor 1 for the internal topics, topics created
 * automatically on first use (one partition), no initial rebalance delay for consumer groups, and a
 * 2 MiB log-cleaner dedupe buffer instead of 128 MiB, which a small heap cannot hold. Logging of
 * the broker is lowered to WARN (see {@link BrokerLogLevels}).
 *
 * <p>Lifecycle: {@link #start} blocks until the broker is registered and serves clients; {@link
 * #startInBackground} returns as soon as its address and credentials are known, the broker starting
 * on a thread of its own until {@link #awaitStarted}; {@link #close()} shuts it down in order
 * (after its start, if that is still going on) and waits for it, is idempotent, and may be called
 * from any thread. As in a standalone broker, a fatal metadata fault ends the JVM (Kafka's {@code
 * Exit.halt}).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedKafkaBroker.class);
    private static final String CONTROLLER_HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String INTERNAL_TOPIC_PARTITIONS = "5";

    /** Completes with the server once it serves clients, or with the failure of its start. */
    private final CompletableFuture<KafkaRaftServer> server;

    private final Path logDir;
    private final String bootstrapServers;
    private final KafkaCredentials credentials;
    private final String platformMechanism;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafkaBroker(
            CompletableFuture<KafkaRaftServer> server,
            Path logDir,
            String host,
            String bootstrapServers,
            KafkaCredentials credentials) {
        this.server = server;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
        this.credentials = credentials;
        this.platformMechanism = platformMechanism(host);
    }

    /**
     * Starts the broker on {@code logDir}, formatting the directory first when it is new.
     *
     * @param logDir the log directory; created when missing
     * @param host the address the client listener binds and advertises, e.g. {@code localhost}
     * @param port the client port, or 0 for a free one
     * @param controllerPort the controller's port on 127.0.0.1, or 0 for a free one
     */
    public static EmbeddedKafkaBroker start(Path logDir, String host, int port, int controllerPort)
            throws IOException {
        EmbeddedKafkaBroker broker = startInBackground(logDir, host, port, controllerPort);
        broker.awaitStarted();
        return broker;
    }

    /**
     * Prepares the broker as {@link #start} does (ports, credentials, a new directory formatted),
     * then returns while the broker itself starts on a thread of its own: what a client needs
     * ({@link #clientConfiguration}) is known at once, so the application can start beside it.
     * {@link #awaitStarted} waits for the broker and reports a failed start.
     */
    public static EmbeddedKafkaBroker startInBackground(
            Path logDir, String host, int port, int controllerPort) throws IOException {
        Path dir = logDir.toAbsolutePath().normalize();
        long startedAt = System.nanoTime();
        int clientPort = FreePorts.resolve(host, port);
        int quorumPort = FreePorts.resolve(CONTROLLER_HOST, controllerPort);
        BrokerLogLevels.quietUnlessConfigured();
        Files.createDirectories(dir);
        KafkaCredentials credentials = KafkaCredentials.loadOrCreate(dir.getParent());
        Properties properties = brokerProperties(dir, host, clientPort, quorumPort, credentials);
        boolean formatted =
                KraftStorage.formatIfNeeded(
                        dir,
                        properties,
                        "SCRAM-SHA-512=[name="
                                + KafkaCredentials.PLATFORM_USER
                                + ",password="
                                + credentials.platformPassword()
                                + "]");
        if (!formatted && !credentials.provisioned()) {
            provisionPlatformUser(dir, host, clientPort, quorumPort, credentials);
        }
        String bootstrapServers = host + ":" + clientPort;
        CompletableFuture<KafkaRaftServer> server =
                BackgroundStart.run(
                        "anneal-embedded-kafka-start",
                        () -> {
                            KafkaRaftServer started = startServer(properties);
                            LOG.infof(
                                    "Kafka broker started on %s (controller %s:%d) with log in %s"
                                            + " in %d ms%s",
                                    bootstrapServers,
                                    CONTROLLER_HOST,
                                    quorumPort,
                                    dir,
                                    (System.nanoTime() - startedAt) / 1_000_000,
                                    formatted ? " (formatted)" : "");
                            return started;
                        });
        return new EmbeddedKafkaBroker(server, dir, host, bootstrapServers, credentials);
    }

    /**
     * Waits until the broker serves clients.
     *
     * @throws IOException or the unchecked exception its start failed with
     */
    public void awaitStarted() throws IOException {
        BackgroundStart.join(server);
    }

    private static KafkaRaftServer startServer(Properties properties) {
        KafkaRaftServer server =
                new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            shutDown(server);
            throw e;
        }
        return server;
    }

    /**
     * Gives a log directory formatted by a version without authentication the platform's SCRAM
     * user: one start as before (plaintext, on the loopback interface only, no authorizer), the
     * user added through the admin API, then a stop.
     */
    private static void provisionPlatformUser(
            Path dir, String host, int clientPort, int quorumPort, KafkaCredentials credentials)
            throws IOException {
        LOG.infof("Adding the platform's SCRAM user to the Kafka log in %s", dir);
        Properties plain = brokerProperties(dir, "127.0.0.1", clientPort, quorumPort, null);
        KafkaRaftServer server = startServer(plain);
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                "127.0.0.1:" + clientPort))) {
            admin.alterUserScramCredentials(
                            List.of(
                                    new UserScramCredentialUpsertion(
                                            KafkaCredentials.PLATFORM_USER,
                                            new ScramCredentialInfo(
                                                    ScramMechanism.SCRAM_SHA_512, 8192),
                                            credentials.platformPassword())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("Could not add the platform's Kafka user: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while adding the platform's Kafka user", e);
        } finally {
            shutDown(server);
        }
    }

    /**
     * The settings of the platform's clients: SASL as {@code User:anneal}, with the mechanism of
     * {@link #platformMechanism(String)}.
     */
    public KafkaSettings clientSettings() {
        return credentials.platformClient(bootstrapServers, platformMechanism);
    }

    /** The platform principal's password. */
    public String platformPassword() {
        return credentials.platformPassword();
    }

    /**
     * How the platform reaches this broker, as configuration ({@code anneal.kafka.*}): its address
     * and the platform principal's SASL credentials.
     */
    public Map<String, String> clientConfiguration() {
        return Map.of(
                "anneal.kafka.bootstrap-servers",
                bootstrapServers,
                "anneal.kafka.security-protocol",
                "SASL_PLAINTEXT",
                "anneal.kafka.sasl-mechanism",
                platformMechanism,
                "anneal.kafka.sasl-username",
                KafkaCredentials.PLATFORM_USER,
                "anneal.kafka.sasl-password",
                credentials.platformPassword());
    }

    /** {@code kcat}'s options to connect as the platform principal. */
    public List<String> kcatOptions() {
        List<String> options = new java.util.ArrayList<>(List.of("-b", bootstrapServers));
        options.addAll(
                KafkaCredentials.kcatOptions(
                        KafkaCredentials.PLATFORM_USER, credentials.platformPassword()));
        return options;
    }

    /** The {@code bootstrap.servers} value for clients: {@code host:port}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The log directory, absolute. */
    public Path logDir() {
        return logDir;
    }

    /** Shuts the broker and its controller down and waits until they stopped. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        KafkaRaftServer started;
        try {
            started = server.join();
        } catch (CompletionException e) {
            return; // nothing runs: its start failed, and said so
        }
        long stoppingAt = System.nanoTime();
        shutDown(started);
        LOG.infof(
                "Kafka broker on %s stopped in %d ms",
                bootstrapServers, (System.nanoTime() - stoppingAt) / 1_000_000);
    }

    /** The client listener ({@code protocol}, also between brokers) and the controller's. */
    private static void listeners(
            Properties properties, String protocol, String host, int port, int controllerPort) {
        properties.setProperty(
                "listeners",
                protocol
                        + "://"
                        + host
                        + ":"
                        + port
                        + ",CONTROLLER://"
                        + CONTROLLER_HOST
                        + ":"
                        + controllerPort);
        properties.setProperty("advertised.listeners", protocol + "://" + host + ":" + port);
        properties.setProperty(
                "listener.security.protocol.map",
                protocol + ":" + protocol + ",CONTROLLER:" + protocol);
        properties.setProperty("inter.broker.listener.name", protocol);
    }

    /** A PLAIN login module that knows one user, and logs in as it (to other nodes). */
    private static String plainServer(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user
                + "\" password=\""
                + password
                + "\" user_"
                + user
                + "=\""
                + password
                + "\";";
    }

    /**
     * How the platform principal authenticates on a listener bound to {@code host}: SASL/PLAIN on
     * loopback, where the broker takes PLAIN for that principal anyway (for local tools) and no one
     * without root sees the password it sends; SCRAM elsewhere. SCRAM costs every connection 8,192
     * rounds of HMAC-SHA-512 on the client, a second of CPU over the connections a start opens (ADR
     * 0042).
     */
    static String platformMechanism(String host) {
        return isLoopback(host) ? "PLAIN" : KafkaCredentials.MECHANISM;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static void secure(
            Properties properties,
            String host,
            int port,
            int controllerPort,
            KafkaCredentials credentials) {
        listeners(properties, "SASL_PLAINTEXT", host, port, controllerPort);
        properties.setProperty("sasl.mechanism.inter.broker.protocol", platformMechanism(host));
        properties.setProperty("sasl.mechanism.controller.protocol", "PLAIN");
        properties.setProperty(
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                KafkaCredentials.jaas(
                        "org.apache.kafka.common.security.scram.ScramLoginModule",
                        KafkaCredentials.PLATFORM_USER,
                        credentials.platformPassword()));
        if (isLoopback(host)) {
            // SASL/PLAIN for the platform principal alone, for local tools whose SCRAM does not
            // work with Kafka 4 (librdkafka before 2.6.1, e.g. Debian's kcat); only on loopback,
            // where no one without root sees the password that PLAIN sends
            properties.setProperty(
                    "listener.name.sasl_plaintext.sasl.enabled.mechanisms",
                    KafkaCredentials.MECHANISM + ",PLAIN");
            properties.setProperty(
                    "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                    plainServer(KafkaCredentials.PLATFORM_USER, credentials.platformPassword()));
        } else {
            properties.setProperty(
                    "listener.name.sasl_plaintext.sasl.enabled.mechanisms",
                    KafkaCredentials.MECHANISM);
        }
        properties.setProperty("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        properties.setProperty(
                "listener.name.controller.plain.sasl.jaas.config",
                plainServer(KafkaCredentials.CONTROLLER_USER, credentials.controllerPassword()));
        properties.setProperty(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        properties.setProperty(
                "super.users",
                "User:"
                        + KafkaCredentials.PLATFORM_USER
                        + ";User:"
                        + KafkaCredentials.CONTROLLER_USER);
        properties.setProperty("allow.everyone.if.no.acl.found", "false");
        // topics are made by the platform (KafkaTopics, KafkaUsers), never by a client's first use
        properties.setProperty("auto.create.topics.enable", "false");
    }

    private static void shutDown(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    /**
     * The node's configuration; with {@code credentials}, clients authenticate with SASL/SCRAM on
     * the client listener (the broker too, to itself, as the platform user), the controller
     * listener takes SASL/PLAIN, and Kafka's {@code StandardAuthorizer} refuses whatever no ACL
     * allows, the platform and controller principals being super users. Without, the plaintext
     * listener of versions before authentication (for {@link #provisionPlatformUser} only).
     */
    static Properties brokerProperties(
            Path logDir, String host, int port, int controllerPort, KafkaCredentials credentials) {
        Properties properties = new Properties();
        properties.setProperty("process.roles", "broker,controller");
        properties.setProperty("node.id", Integer.toString(NODE_ID));
        properties.setProperty(
                "controller.quorum.voters", NODE_ID + "@" + CONTROLLER_HOST + ":" + controllerPort);
        listeners(properties, "PLAINTEXT", host, port, controllerPort);
        properties.setProperty("controller.listener.names", "CONTROLLER");
        properties.setProperty("log.dirs", logDir.toString());
        if (credentials != null) {
            secure(properties, host, port, controllerPort, credentials);
        }

        properties.setProperty("auto.create.topics.enable", "true");
        properties.setProperty("num.partitions", "1");
        properties.setProperty("default.replication.factor", "1");
        properties.setProperty("min.insync.replicas", "1");
        properties.setProperty("offsets.topic.replication.factor", "1");
        properties.setProperty("offsets.topic.num.partitions", INTERNAL_TOPIC_PARTITIONS);
        properties.setProperty("transaction.state.log.replication.factor", "1");
        properties.setProperty("transaction.state.log.min.isr", "1");
        properties.setProperty("transaction.state.log.num.partitions", INTERNAL_TOPIC_PARTITIONS);
        properties.setProperty("share.coordinator.state.topic.replication.factor", "1");
        properties.setProperty("share.coordinator.state.topic.min.isr", "1");
        properties.setProperty("group.initial.rebalance.delay.ms", "0");
        // retention is checked every 5 minutes by default: an erased tenant's records would outlive
        // a short retention by that much;
        properties.setProperty("log.retention.check.interval.ms", "5000");
        // and a segment past retention is deleted 1 s after it is marked, not a minute
        properties.setProperty("log.segment.delete.delay.ms", "1000");
        // Kafka requires more than 1 MiB per cleaner thread (strictly), and its default is 128 MiB
        properties.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        // the broker's own metrics stay off JMX: registering an MBean for each of them took a tenth
        // of the CPU of a start, and the embedded broker is not something to monitor from outside
        properties.setProperty("metrics.jmx.exclude", ".*");
        return properties;
    }
}
