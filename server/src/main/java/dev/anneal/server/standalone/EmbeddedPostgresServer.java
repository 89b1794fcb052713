package dev.anneal.server.standalone;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL (binaries bundled by zonky) that keeps its data in a directory of ours, for
 * standalone mode.
 *
 * <p>The first start on an empty or missing directory runs initdb with generated passwords (see
 * {@link PostgresCredentials}); later starts reuse the directory as it is, so data survives a
 * restart. Every start makes sure the role {@value #USERNAME} and its database {@value #DATABASE}
 * exist. The server listens on 127.0.0.1 only, over TCP only (no Unix socket), and asks every
 * connection for a password (SCRAM), since a superuser without one would let any local user run
 * programs as the user that runs PostgreSQL. Durability is PostgreSQL's default ({@code fsync} and
 * {@code synchronous_commit} on), not zonky's test settings.
 *
 * <p>A PostgreSQL left running by a process that was killed is stopped before the start (see {@link
 * LeftoverPostgres}). No shutdown hook is registered: the owner calls {@link #close()} after the
 * application stopped, so the database is not stopped under a draining application.
 *
 * <p>Lifecycle: {@link #start} blocks until the server accepts connections; {@link #close()} is
 * idempotent and may be called from any thread.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** The application's database, owned by {@value #USERNAME}. */
    public static final String DATABASE = "anneal";

    /** The application's role: owns {@value #DATABASE}, not a superuser. */
    public static final String USERNAME = "anneal";

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresServer.class);
    private static final String HOST = "127.0.0.1";
    private static final String SUPERUSER = "postgres";
    private static final String ZONKY_LOCK_FILE = "epg-lock";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration LEFTOVER_STOP_WAIT = Duration.ofSeconds(10);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final EmbeddedPostgres postgres;
    private final Path dataDir;
    private final PostgresCredentials credentials;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedPostgresServer(
            EmbeddedPostgres postgres, Path dataDir, PostgresCredentials credentials) {
        this.postgres = postgres;
        this.dataDir = dataDir;
        this.credentials = credentials;
    }

    /**
     * Starts PostgreSQL on {@code dataDir}, creating and initialising it when missing or empty.
     *
     * @param dataDir the data directory; must be missing, empty, or a data directory made here
     * @param port the TCP port on 127.0.0.1, or 0 for a free one
     * @throws IllegalStateException when the directory is used by another server or is not one of
     *     ours
     */
    public static EmbeddedPostgresServer start(Path dataDir, int port) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        long startedAt = System.nanoTime();
        boolean fresh = isMissingOrEmpty(dir);
        PostgresCredentials credentials;
        if (fresh) {
            credentials = PostgresCredentials.generate();
        } else {
            requireDataDirectory(dir);
            credentials = PostgresCredentials.load(dir);
            // before the port check: a leftover still listens on the port of the last run
            clearLeftovers(dir);
        }
        int resolvedPort = FreePorts.resolve(HOST, port);
        EmbeddedPostgres.Builder builder = baseBuilder(dir, resolvedPort);
        builder.setConnectConfig("password", credentials.superuserPassword());
        Path passwordFile = null;
        if (fresh) {
            passwordFile = credentials.writeSuperuserPasswordFile();
            configureInitdb(builder, credentials, passwordFile);
        }
        EmbeddedPostgres postgres;
        try {
            postgres = builder.start();
        } finally {
            if (passwordFile != null) {
                Files.deleteIfExists(passwordFile);
            }
        }
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, dir, credentials);
        try {
            server.ensureApplicationDatabase();
        } catch (SQLException | RuntimeException e) {
            server.close();
            throw new IOException("Could not create database " + DATABASE + " in " + dir, e);
        }
        LOG.infof(
                "PostgreSQL started on %s:%d with data in %s in %d ms%s",
                HOST,
                resolvedPort,
                dir,
                (System.nanoTime() - startedAt) / 1_000_000,
                fresh ? " (initialised)" : "");
        return server;
    }

    /** JDBC URL of the {@value #DATABASE} database, without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + DATABASE;
    }

    /** The application's role, {@value #USERNAME}. */
    public String username() {
        return USERNAME;
    }

    /** The application role's password, generated on the first start and kept since. */
    public String password() {
        return credentials.applicationPassword();
    }

    /** The TCP port on 127.0.0.1. */
    public int port() {
        return postgres.getPort();
    }

    /** The data directory, absolute. */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops PostgreSQL with a fast shutdown (sessions rolled back) and waits until it exited. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long stoppingAt = System.nanoTime();
        List<ProcessHandle> processes = processesOrNone();
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop PostgreSQL in " + dataDir, e);
        }
        // pg_ctl returns once postmaster.pid is gone, a moment before the postmaster has exited
        if (!LeftoverPostgres.awaitExit(processes, STOP_WAIT)) {
            LOG.warnf("PostgreSQL in %s still runs %s after being stopped", dataDir, STOP_WAIT);
        }
        LOG.infof(
                "PostgreSQL in %s stopped in %d ms",
                dataDir, (System.nanoTime() - stoppingAt) / 1_000_000);
    }

    private List<ProcessHandle> processesOrNone() {
        try {
            return LeftoverPostgres.runningIn(dataDir);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static EmbeddedPostgres.Builder baseBuilder(Path dir, int port) {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                // zonky's defaults delete the directory on close and stop the server from a
                // shutdown hook of its own
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                .setPGStartupWait(STARTUP_WAIT)
                .setServerConfig("listen_addresses", HOST)
                // pg_ctl hands these to a shell, which turns '' into an empty value: no socket
                .setServerConfig("unix_socket_directories", "''")
                // zonky passes -F (fsync off) and turns synchronous_commit off, fine for tests only
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on");
    }

    /**
     * zonky runs {@code initdb -A trust -U postgres} and appends its "locale" settings as {@code
     * --key=value}; the later options win, so every connection needs a password.
     */
    private static void configureInitdb(
            EmbeddedPostgres.Builder builder, PostgresCredentials credentials, Path passwordFile)
            throws IOException {
        builder.setLocaleConfig("locale", "C")
                .setLocaleConfig("pwfile", passwordFile.toString())
                .setLocaleConfig("auth-local", "scram-sha-256")
                .setLocaleConfig("auth-host", "scram-sha-256")
                // runs after initdb and before the server starts
                .setDataDirectoryCustomizer(
                        directory -> {
                            try {
                                credentials.store(directory.toPath());
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
    }

    /**
     * Takes zonky's lock on the directory for a moment, which fails while a live process uses it,
     * then stops what a killed one left running.
     */
    private static void clearLeftovers(Path dir) throws IOException {
        Path lockFile = dir.resolve(ZONKY_LOCK_FILE);
        try (FileChannel channel =
                        FileChannel.open(
                                lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            if (lock == null) {
                throw new IllegalStateException(
                        "PostgreSQL data directory " + dir + " is in use by another process");
            }
            LeftoverPostgres.clear(dir, LEFTOVER_STOP_WAIT);
        } catch (OverlappingFileLockException e) {
            throw new IllegalStateException(
                    "PostgreSQL data directory " + dir + " is already in use in this process", e);
        }
    }

    private static boolean isMissingOrEmpty(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void requireDataDirectory(Path dir) {
        if (!Files.isRegularFile(dir.resolve("PG_VERSION"))) {
            throw new IllegalStateException(
                    dir + " is neither empty nor a PostgreSQL data directory; refusing to use it");
        }
    }

    private void ensureApplicationDatabase() throws SQLException {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {HOST});
        dataSource.setPortNumbers(new int[] {port()});
        dataSource.setDatabaseName("postgres");
        dataSource.setUser(SUPERUSER);
        dataSource.setPassword(credentials.superuserPassword());
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            if (!exists(connection, "SELECT 1 FROM pg_roles WHERE rolname = ?", USERNAME)) {
                // the password is URL-safe Base64, safe inside a literal; DDL takes no parameters
                statement.execute(
                        "CREATE ROLE " + USERNAME + " LOGIN PASSWORD '" + password() + "'");
            }
            if (!exists(connection, "SELECT 1 FROM pg_database WHERE datname = ?", DATABASE)) {
                statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USERNAME);
            }
        }
    }

    private static boolean exists(Connection connection, String query, String name)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(query)) {
            statement.setString(1, name);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }
}
