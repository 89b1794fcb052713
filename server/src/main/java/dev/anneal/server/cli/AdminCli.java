package dev.anneal.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Administrator commands over the administrator API of a running platform:
 *
 * <ul>
 *   <li>{@code audit verify}: checks the audit log's hash chain; exit 0 when it holds (printing the
 *       head to write down), 1 naming the first broken entry.
 *   <li>{@code admin master-key}: which master keys wrap the stored data keys.
 *   <li>{@code admin rotate-master-key}: re-wraps every data key under the current master key
 *       (resumable); exit 1 when some key could not be unwrapped by any configured master key.
 *   <li>{@code admin kafka-user --tenant ID}: a Kafka principal for the tenant's in-house feedback
 *       producers, printed once as client properties.
 * </ul>
 *
 * <p>Where: {@code ANNEAL_URL} (default {@code http://localhost:8080}). Who: {@code
 * ANNEAL_ADMIN_KEY}, else the key kept in {@code $ANNEAL_DATA_DIR/admin.key} (default {@code
 * data}). Exit 2 on a usage error, 3 when the platform cannot be reached or refuses.
 */
public final class AdminCli {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    public AdminCli(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new AdminCli(System.getenv(), System.out, System.err).run(args));
    }

    public int run(String... args) {
        String command = String.join(" ", args);
        try {
            if (args.length == 4
                    && args[0].equals("admin")
                    && args[1].equals("kafka-user")
                    && args[2].equals("--tenant")) {
                return kafkaUser(args[3]);
            }
            return switch (command) {
                case "audit verify" -> auditVerify();
                case "admin master-key" -> print(call("GET", "/v1/admin/master_key"));
                case "admin rotate-master-key" -> rotateMasterKey();
                default -> usage(command);
            };
        } catch (CommandException e) {
            err.println("anneal: " + e.getMessage());
            return 3;
        }
    }

    private int usage(String command) {
        err.println(
                (command.isBlank() ? "" : "anneal: unknown command '" + command + "'\n")
                        + "usage: ./anneal audit verify\n"
                        + "       ./anneal admin master-key\n"
                        + "       ./anneal admin rotate-master-key\n"
                        + "       ./anneal admin kafka-user --tenant TENANT_ID");
        return 2;
    }

    private int auditVerify() {
        JsonNode result = get("/v1/admin/audit/verify");
        if (result.path("valid").asBoolean()) {
            out.println(
                    "Audit log intact: "
                            + result.path("entries").asLong()
                            + " entries; head "
                            + result.path("head_id").asText("(none)")
                            + " "
                            + result.path("head_hash").asText(""));
            return 0;
        }
        JsonNode broken = result.path("first_broken");
        out.println(
                "Audit log BROKEN at "
                        + broken.path("id").asText()
                        + " (entry "
                        + result.path("entries").asLong()
                        + " of the chain): "
                        + broken.path("reason").asText());
        return 1;
    }

    private int rotateMasterKey() {
        JsonNode result = call("POST", "/v1/admin/master_key/rotate");
        out.println(
                "Re-wrapped "
                        + result.path("rewrapped").asInt()
                        + " data key(s) under master key "
                        + result.path("status").path("current").asText());
        print(result.path("status"));
        if (!result.path("unreadable").isEmpty()) {
            out.println(
                    "No configured master key unwraps the data keys of: "
                            + result.path("unreadable")
                            + "; add the key that wrapped them to ANNEAL_PREVIOUS_MASTER_KEYS");
            return 1;
        }
        return 0;
    }

    private int kafkaUser(String tenantId) {
        JsonNode user = call("POST", "/v1/admin/tenants/" + tenantId + "/kafka_users");
        String mechanism = user.path("sasl_mechanism").asText();
        out.println(
                "# Kafka client properties of "
                        + user.path("username").asText()
                        + ", which may write topic "
                        + user.path("topic").asText()
                        + " only.\n"
                        + "# The password is shown this once: keep it in your secret store.\n"
                        + "bootstrap.servers="
                        + user.path("bootstrap_servers").asText()
                        + "\nsecurity.protocol="
                        + user.path("security_protocol").asText()
                        + "\nsasl.mechanism="
                        + mechanism
                        + "\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule"
                        + " required username=\""
                        + user.path("username").asText()
                        + "\" password=\""
                        + user.path("password").asText()
                        + "\";");
        return 0;
    }

    private int print(JsonNode json) {
        try {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        } catch (IOException e) {
            throw new CommandException(e.toString());
        }
        return 0;
    }

    private JsonNode get(String path) {
        return call("GET", path);
    }

    private JsonNode call(String method, String path) {
        String base = env.getOrDefault("ANNEAL_URL", "http://localhost:8080").replaceAll("/+$", "");
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Authorization", "Bearer " + adminKey())
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofMinutes(10))
                        .build();
        try {
            HttpResponse<String> response =
                    HttpClient.newBuilder()
                            .connectTimeout(Duration.ofSeconds(10))
                            .build()
                            .send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            if (response.statusCode() / 100 != 2) {
                throw new CommandException(
                        base
                                + path
                                + " answered "
                                + response.statusCode()
                                + ": "
                                + body.path("error").path("message").asText(response.body()));
            }
            return body;
        } catch (IOException e) {
            throw new CommandException(
                    "cannot reach the platform at " + base + " (set ANNEAL_URL): " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted");
        }
    }

    private String adminKey() {
        String key = env.get("ANNEAL_ADMIN_KEY");
        if (key != null && !key.isBlank()) {
            return key.strip();
        }
        Path file = Path.of(env.getOrDefault("ANNEAL_DATA_DIR", "data"), "admin.key");
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new CommandException(
                    "no administrator key: set ANNEAL_ADMIN_KEY, or run where "
                            + file
                            + " is readable");
        }
    }

    private static final class CommandException extends RuntimeException {
        CommandException(String message) {
            super(message);
        }
    }
}
