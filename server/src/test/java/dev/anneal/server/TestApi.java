package dev.anneal.server;

import static io.restassured.RestAssured.given;

import dev.anneal.server.cli.AdminCli;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;

/** Short-hands for the API calls the tests make again and again. */
public final class TestApi {

    private TestApi() {}

    public static RequestSpecification asAdmin() {
        return given().header("Authorization", "Bearer " + AnnealTestResources.ADMIN_KEY);
    }

    /**
     * A request to the management port ({@code /q/health}, {@code /q/metrics}, {@code /q/openapi}),
     * which the test application opens on a free port of the loopback interface.
     */
    public static RequestSpecification management() {
        URI url =
                URI.create(
                        ConfigProvider.getConfig().getValue("test.management.url", String.class));
        return given().baseUri("http://" + url.getHost()).port(url.getPort());
    }

    /**
     * Runs an {@code ./anneal} administrator command ({@code audit verify}, {@code admin
     * rotate-master-key}) against the test application: its exit code, a space, what it printed.
     */
    public static String anneal(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit =
                new AdminCli(
                                Map.of(
                                        "ANNEAL_URL",
                                        RestAssured.baseURI + ":" + RestAssured.port,
                                        "ANNEAL_ADMIN_KEY",
                                        AnnealTestResources.ADMIN_KEY),
                                new PrintStream(out, true, StandardCharsets.UTF_8),
                                System.err)
                        .run(args);
        return exit + " " + out.toString(StandardCharsets.UTF_8);
    }

    public static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    /** A new tenant with a unique name; returns its id. */
    public static String newTenant() {
        return asAdmin()
                .contentType("application/json")
                .body("{\"name\":\"tenant " + UUID.randomUUID() + "\"}")
                .post("/v1/admin/tenants")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    /** A new key of {@code tenantId}; returns its secret. */
    public static String newKey(String tenantId) {
        return asAdmin()
                .post("/v1/admin/tenants/" + tenantId + "/api_keys")
                .then()
                .statusCode(201)
                .extract()
                .path("key");
    }

    /** A fresh tenant's key. */
    public static String newTenantKey() {
        return newKey(newTenant());
    }

    public static Response upload(String key, String filename, byte[] content) {
        return as(key).multiPart("purpose", "fine-tune")
                .multiPart("file", filename, content, "application/jsonl")
                .post("/v1/files");
    }

    public static Response upload(String key, String filename, String content) {
        return upload(key, filename, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Uploads a small valid chat file; returns the file id. */
    public static String uploadChat(String key) {
        return upload(key, "chat.jsonl", chatLine("hello") + "\n" + chatLine("again") + "\n")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    public static String chatLine(String text) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\""
                + text
                + "\"},{\"role\":\"assistant\",\"content\":\"Answer to "
                + text
                + "\"}]}";
    }
}
