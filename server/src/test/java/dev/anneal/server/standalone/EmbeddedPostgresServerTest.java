package dev.anneal.server.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedPostgresServerTest {

    @TempDir Path root;

    private Path dataDir;

    @AfterEach
    void shouldLeaveNoPostgresProcessBehind() throws IOException {
        if (dataDir != null && Files.isDirectory(dataDir)) {
            assertThat(LeftoverPostgres.runningIn(dataDir)).isEmpty();
        }
    }

    @Test
    void shouldKeepRowsWhenRestartedOnSameDirectory() throws Exception {
        dataDir = root.resolve("pg");

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
            execute(server, "CREATE TABLE job (id INT PRIMARY KEY, name TEXT)");
            execute(server, "INSERT INTO job VALUES (1, 'sft-llama')");
            assertThat(server.jdbcUrl())
                    .isEqualTo("jdbc:postgresql://127.0.0.1:" + server.port() + "/anneal");
        }
        assertThat(LeftoverPostgres.runningIn(dataDir)).isEmpty();

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
            assertThat(queryName(server, 1)).isEqualTo("sft-llama");
        }
    }

    @Test
    void shouldAskForPasswordWhenConnectingOverTcp() throws Exception {
        dataDir = root.resolve("pg");

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
            assertThat(server.username()).isEqualTo("anneal");
            assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl(), "anneal", "x"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
            assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl(), "postgres", ""))
                    .isInstanceOf(SQLException.class);
        }
        Path credentials = dataDir.resolve(PostgresCredentials.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(credentials)))
                .isEqualTo("rw-------");
    }

    @Test
    void shouldBeIdempotentWhenClosedTwice() throws Exception {
        dataDir = root.resolve("pg");
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0);

        server.close();
        server.close();

        assertThat(LeftoverPostgres.runningIn(dataDir)).isEmpty();
    }

    @Test
    void shouldRefuseSecondServerWhenDirectoryIsInUse() throws Exception {
        dataDir = root.resolve("pg");
        EmbeddedPostgresServer.start(dataDir, 0).close();

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
            assertThatThrownBy(() -> EmbeddedPostgresServer.start(dataDir, 0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use");
            assertThat(queryOne(server)).isEqualTo(1);
        }
    }

    @Test
    void shouldRejectDirectoryWhenNeitherEmptyNorPostgres() throws IOException {
        Path notPostgres = Files.createDirectories(root.resolve("documents"));
        Files.writeString(notPostgres.resolve("notes.txt"), "keep me");

        assertThatThrownBy(() -> EmbeddedPostgresServer.start(notPostgres, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("neither empty nor a PostgreSQL data directory");
        assertThat(notPostgres.resolve("notes.txt")).hasContent("keep me");
    }

    @Test
    void shouldStartWhenStalePidFileNamesUnrelatedLiveProcess() throws Exception {
        dataDir = root.resolve("pg");
        EmbeddedPostgresServer.start(dataDir, 0).close();
        // after a crash and a container restart the recorded pid often belongs to someone else
        Files.writeString(
                dataDir.resolve("postmaster.pid"),
                ProcessHandle.current().pid() + "\n" + dataDir + "\n");

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0)) {
            assertThat(queryOne(server)).isEqualTo(1);
        }
    }

    @Test
    void shouldStopLeftoverPostgresWhenPreviousOwnerWasKilled() throws Exception {
        dataDir = root.resolve("pg");
        int port = FreePorts.resolve("127.0.0.1", 0);
        Process owner = startOwnerProcess(dataDir, port);
        List<ProcessHandle> leftovers;
        try {
            awaitReady(owner);
        } finally {
            owner.destroyForcibly().waitFor();
        }
        leftovers = LeftoverPostgres.runningIn(dataDir);
        assertThat(leftovers).as("PostgreSQL outlives the JVM killed with -9").isNotEmpty();

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, port)) {
            assertThat(queryName(server, 7)).isEqualTo("written-before-kill");
        }
        assertThat(leftovers).noneMatch(LeftoverPostgres::isRunning);
    }

    private static Process startOwnerProcess(Path dataDir, int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder =
                new ProcessBuilder(
                                java,
                                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                                "-cp",
                                System.getProperty("java.class.path"),
                                PostgresOwnerProcess.class.getName(),
                                dataDir.toString(),
                                Integer.toString(port))
                        .redirectErrorStream(true);
        return builder.start();
    }

    private static void awaitReady(Process owner) throws IOException {
        List<String> output = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.equals(PostgresOwnerProcess.READY)) {
                    return;
                }
                output.add(line);
            }
        }
        throw new AssertionError("owner process ended before READY:\n" + String.join("\n", output));
    }

    static void execute(EmbeddedPostgresServer server, String sql) throws SQLException {
        try (Connection connection = connect(server);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String queryName(EmbeddedPostgresServer server, int id) throws SQLException {
        try (Connection connection = connect(server);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT name FROM job WHERE id = " + id)) {
            assertThat(rows.next()).isTrue();
            return rows.getString(1);
        }
    }

    private static int queryOne(EmbeddedPostgresServer server) throws SQLException {
        try (Connection connection = connect(server);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT 1")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static Connection connect(EmbeddedPostgresServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
    }
}
