package dev.anneal.store.blob;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 API server for tests: S3Proxy, started as a child process from its self-contained jar
 * ({@code target/s3proxy/s3proxy.jar}, copied there by the build), on a free port of the loopback
 * interface, keeping objects as files under a folder ({@code <root>/<bucket>/<key>}) and checking
 * AWS signatures (V2 and V4) with {@link #ACCESS_KEY_ID} and {@link #SECRET_ACCESS_KEY}.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY_ID = "anneal-test-access";
    public static final String SECRET_ACCESS_KEY = "anneal-test-secret-0123456789";

    private static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path root;
    private final Path log;
    private final int port;

    private S3ProxyServer(Process process, Path root, Path log, int port) {
        this.process = process;
        this.root = root;
        this.log = log;
        this.port = port;
    }

    /** Starts a server keeping its objects under {@code root}, which it creates if missing. */
    public static S3ProxyServer start(Path root) throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(
                    JAR.toAbsolutePath()
                            + " is missing: the build copies it (process-test-resources)");
        }
        Files.createDirectories(root);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path properties = Files.createTempFile("s3proxy-", ".properties");
        Files.write(
                properties,
                List.of(
                        "s3proxy.endpoint=http://127.0.0.1:" + port,
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + ACCESS_KEY_ID,
                        "s3proxy.credential=" + SECRET_ACCESS_KEY,
                        "jclouds.provider=filesystem",
                        "jclouds.filesystem.basedir=" + root.toAbsolutePath()));
        Path log = Files.createTempFile("s3proxy-", ".log");
        Process process =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx256m",
                                "-jar",
                                JAR.toAbsolutePath().toString(),
                                "--properties",
                                properties.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        S3ProxyServer server = new S3ProxyServer(process, root, log, port);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!server.listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("S3Proxy did not start:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return server;
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The folder the objects are kept in. */
    public Path root() {
        return root;
    }

    /** Creates a bucket. */
    public void createBucket(String bucket) {
        try (S3Client s3 = settings(bucket, S3Settings.MIN_PART_SIZE).client()) {
            s3.createBucket(b -> b.bucket(bucket));
        }
    }

    /** Settings for a blob store in {@code bucket}, with the given part size. */
    public S3Settings settings(String bucket, int partSize) {
        return settings(
                bucket, Optional.of(ACCESS_KEY_ID), Optional.of(SECRET_ACCESS_KEY), "", partSize);
    }

    /** Settings for a blob store in {@code bucket} with these credentials and key prefix. */
    public S3Settings settings(
            String bucket,
            Optional<String> accessKeyId,
            Optional<String> secretAccessKey,
            String prefix,
            int partSize) {
        return new S3Settings(
                Optional.of(endpoint()),
                bucket,
                "us-east-1",
                accessKeyId,
                secretAccessKey,
                true,
                prefix,
                partSize);
    }

    /** The environment that points a platform process at {@code bucket} on this server. */
    public Map<String, String> environment(String bucket) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ANNEAL_BLOB_STORE", "s3");
        env.put("ANNEAL_S3_ENDPOINT", endpoint().toString());
        env.put("ANNEAL_S3_BUCKET", bucket);
        env.put("ANNEAL_S3_ACCESS_KEY_ID", ACCESS_KEY_ID);
        env.put("ANNEAL_S3_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY);
        return env;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(log);
    }
}
