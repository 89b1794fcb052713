package dev.anneal.server.launch;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The packaged server run as a separate process, as {@code ./anneal start} runs it: for tests of
 * what only a real process shows (start-up, signals, heap limits, leftover processes). The server
 * benchmarks ({@code bench/server-bench}) use it too, from this module's test-jar; what they call
 * is public. {@link #JAR} is relative to the working directory, the {@code server} folder.
 */
public final class ServerProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final Path log;
    private final Path dataDir;
    final int httpPort;
    final int managementPort;

    private ServerProcess(
            Process process, Path log, Path dataDir, int httpPort, int managementPort) {
        this.process = process;
        this.log = log;
        this.dataDir = dataDir;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
    }

    /** A file in the server's data folder. */
    Path dataDirFile(String name) {
        return dataDir.resolve(name);
    }

    public static ServerProcess start(Path dataDir, String maxHeap, Map<String, String> env)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.add("-jar");
        command.add(JAR.toAbsolutePath().toString());
        return start(command, dataDir, env);
    }

    /**
     * Starts the platform with {@code command} (a launcher, for example) on free ports.
     *
     * @param env set after the ports and the data folder, so it may override them
     */
    static ServerProcess start(List<String> command, Path dataDir, Map<String, String> env)
            throws IOException {
        int httpPort = freePort();
        int managementPort = freePort();
        Path log = Files.createTempFile("anneal-server-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("ANNEAL_DATA_DIR", dataDir.toString());
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        builder.environment().put("ANNEAL_MANAGEMENT_PORT", String.valueOf(managementPort));
        builder.environment().put("ANNEAL_KAFKA_PORT", String.valueOf(freePort()));
        builder.environment().putAll(env);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new ServerProcess(builder.start(), log, dataDir, httpPort, managementPort);
    }

    public String baseUri() {
        return "http://localhost:" + httpPort;
    }

    /** Where health, metrics and the OpenAPI document are: the loopback management port. */
    public String managementUri() {
        return "http://127.0.0.1:" + managementPort;
    }

    /**
     * A key of a new tenant {@code name}, made with the administrator key the process generated
     * into its data folder.
     */
    public String newTenantKey(String name) throws IOException {
        String admin = Files.readString(dataDirFile("admin.key")).strip();
        String tenant =
                given().baseUri(baseUri())
                        .header("Authorization", "Bearer " + admin)
                        .contentType("application/json")
                        .body("{\"name\":\"" + name + "\"}")
                        .post("/v1/admin/tenants")
                        .then()
                        .statusCode(201)
                        .extract()
                        .path("id");
        return given().baseUri(baseUri())
                .header("Authorization", "Bearer " + admin)
                .post("/v1/admin/tenants/" + tenant + "/api_keys")
                .then()
                .statusCode(201)
                .extract()
                .path("key");
    }

    /** Waits until readiness answers 200; fails with the server's output if it never does. */
    public Duration awaitReady(Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Server exited early:\n" + output());
            }
            try {
                HttpURLConnection connection =
                        (HttpURLConnection)
                                URI.create(managementUri() + "/q/health/ready")
                                        .toURL()
                                        .openConnection();
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(5000);
                if (connection.getResponseCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("Server not ready within " + timeout + ":\n" + output());
    }

    /** The most memory the process has had resident so far ({@code VmHWM}), in bytes. */
    public long peakRssBytes() throws IOException {
        for (String line :
                Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("No VmHWM for process " + process.pid());
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** Waits for the process to end by itself; its exit code. */
    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Server still running after " + timeout);
        }
        return process.exitValue();
    }

    /** Sends {@code signal} (e.g. "INT" as Ctrl-C does, "TERM") and waits for the exit code. */
    int stop(String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start().waitFor();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("Server did not stop on SIG" + signal);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(log);
    }

    /** Command lines of live processes that mention {@code path}, e.g. a PostgreSQL on it. */
    static List<String> processesMentioning(Path path) throws IOException {
        String needle = path.toAbsolutePath().toString();
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc :
                    procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline =
                            new String(Files.readAllBytes(proc.resolve("cmdline")))
                                    .replace('\0', ' ');
                    if (cmdline.contains(needle)) {
                        found.add(proc.getFileName() + ": " + cmdline);
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

    /**
     * The environment of a server process that uses {@code infrastructure} as its external
     * PostgreSQL and Kafka, with a fixed administrator key and master key (shared by every process
     * started with it) and one libtorch thread.
     */
    public static Map<String, String> environmentFor(
            EmbeddedInfrastructure infrastructure, String adminKey) {
        Map<String, String> env = environmentOf(infrastructure.configuration());
        env.put("ANNEAL_ADMIN_KEY", adminKey);
        env.put("ANNEAL_MASTER_KEY", Base64.getEncoder().encodeToString(new byte[32]));
        env.put("ANNEAL_TUNER_THREADS", "1");
        return env;
    }

    /** Configuration ({@code anneal.kafka.bootstrap-servers}) as environment variables. */
    public static Map<String, String> environmentOf(Map<String, String> configuration) {
        Map<String, String> env = new HashMap<>();
        configuration.forEach(
                (key, value) ->
                        env.put(
                                key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'),
                                value));
        return env;
    }

    /** Deletes a folder and everything in it, as far as it can. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * A port free now, below the kernel's ephemeral range: a port the kernel handed out (port 0)
     * and that was closed again can be handed to anyone else before the child binds it, such as the
     * child's own embedded Kafka controller (which then takes the port meant for another listener).
     */
    static int freePort() throws IOException {
        int below = ephemeralPortsStart();
        java.util.concurrent.ThreadLocalRandom random =
                java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = random.nextInt(Math.max(1025, below - 12000), below);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("No free port below " + below);
    }

    /** The first port of the kernel's ephemeral range (Linux: 32768 unless changed). */
    static int ephemeralPortsStart() {
        try {
            // readAllLines: readString of a /proc file can come back short (its size reads as 0)
            String range =
                    Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                            .get(0)
                            .strip();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
