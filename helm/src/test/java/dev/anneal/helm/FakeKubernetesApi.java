package dev.anneal.helm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the Kubernetes API, on the loopback interface, that answers the chart's {@code
 * lookup} calls: Secrets put here are found, every other Secret is not (404), as on a first
 * install.
 *
 * <p>Why it exists: helm-java renders {@code template} through a dry-run install that resolves
 * {@code lookup} against the cluster of {@code KUBECONFIG}, where {@code helm template} would
 * return nothing. Surefire points {@code KUBECONFIG} at the file this class writes, so no test ever
 * reaches a real cluster, and a test can also play an upgrade (Secrets already there).
 *
 * <p>One per JVM, started on first use; {@link #putSecret} and {@link #clear} are for one test at a
 * time (JUnit runs this module's tests on one thread).
 */
final class FakeKubernetesApi {

    private static final Pattern SECRET_PATH =
            Pattern.compile("/api/v1/namespaces/([^/]+)/secrets/([^/?]+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static FakeKubernetesApi instance;

    private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
    private final HttpServer server;

    private FakeKubernetesApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    /** The running stand-in, started and written to {@code KUBECONFIG} on first use. */
    static synchronized FakeKubernetesApi get() {
        if (instance == null) {
            try {
                instance = new FakeKubernetesApi();
                instance.writeKubeconfig();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** Makes {@code lookup} find a Secret with these plain-text {@code data} values. */
    void putSecret(String namespace, String name, Map<String, String> data) {
        secrets.put(namespace + "/" + name, Map.copyOf(data));
    }

    /** Forgets every Secret: lookups find nothing again. */
    void clear() {
        secrets.clear();
    }

    private void writeKubeconfig() throws IOException {
        String file = System.getenv("KUBECONFIG");
        if (file == null || file.isBlank()) {
            throw new IllegalStateException(
                    "KUBECONFIG is not set: run the tests through Maven (./mvnw -o verify -pl"
                            + " helm), whose surefire configuration points it at this stand-in");
        }
        Path path = Path.of(file);
        Files.createDirectories(path.getParent());
        String server = "http://127.0.0.1:" + this.server.getAddress().getPort();
        Files.writeString(
                path,
                String.join(
                        "\n",
                        "apiVersion: v1",
                        "kind: Config",
                        "clusters:",
                        "  - name: fake",
                        "    cluster:",
                        "      server: " + server,
                        "contexts:",
                        "  - name: fake",
                        "    context:",
                        "      cluster: fake",
                        "      user: fake",
                        "current-context: fake",
                        "users:",
                        "  - name: fake",
                        "    user: {}",
                        ""));
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Matcher secret = SECRET_PATH.matcher(path);
            if (path.equals("/api")) {
                send(exchange, 200, Map.of("kind", "APIVersions", "versions", List.of("v1")));
            } else if (path.equals("/apis")) {
                send(
                        exchange,
                        200,
                        Map.of("kind", "APIGroupList", "apiVersion", "v1", "groups", List.of()));
            } else if (path.equals("/api/v1")) {
                send(exchange, 200, resourceList());
            } else if (secret.matches() && exchange.getRequestMethod().equals("GET")) {
                Map<String, String> data = secrets.get(secret.group(1) + "/" + secret.group(2));
                if (data == null) {
                    send(exchange, 404, notFound("secrets", secret.group(2)));
                } else {
                    send(exchange, 200, secret(secret.group(1), secret.group(2), data));
                }
            } else {
                send(exchange, 404, notFound("path", path));
            }
        }
    }

    private static Map<String, Object> resourceList() {
        return Map.of(
                "kind", "APIResourceList",
                "apiVersion", "v1",
                "groupVersion", "v1",
                "resources",
                        List.of(
                                Map.of(
                                        "name", "secrets",
                                        "singularName", "secret",
                                        "namespaced", true,
                                        "kind", "Secret",
                                        "verbs", List.of("get", "list"))));
    }

    private static Map<String, Object> secret(
            String namespace, String name, Map<String, String> data) {
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach(
                (key, value) ->
                        encoded.put(
                                key,
                                Base64.getEncoder()
                                        .encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        return Map.of(
                "apiVersion", "v1",
                "kind", "Secret",
                "metadata", Map.of("name", name, "namespace", namespace),
                "type", "Opaque",
                "data", encoded);
    }

    private static Map<String, Object> notFound(String kind, String name) {
        return Map.of(
                "kind",
                "Status",
                "apiVersion",
                "v1",
                "metadata",
                Map.of(),
                "status",
                "Failure",
                "message",
                kind + " \"" + name + "\" not found",
                "reason",
                "NotFound",
                "details",
                Map.of("name", name, "kind", kind),
                "code",
                404);
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
