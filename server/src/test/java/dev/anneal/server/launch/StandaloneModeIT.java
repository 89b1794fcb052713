package dev.anneal.server.launch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasKey;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged platform in standalone mode, as {@code ./anneal start} runs it: embedded PostgreSQL
 * and Kafka, state under the data folder that survives a restart, generated keys readable by the
 * owner only, and nothing left running after Ctrl-C.
 */
class StandaloneModeIT {

    @TempDir Path dataDir;

    @Test
    void shouldKeepUploadsAcrossRestartAndLeaveNoProcessWhenStopped() throws Exception {
        String content = "{\"text\":\"kept across restarts\"}\n";
        String fileId;
        String apiKey;
        try (ServerProcess server = ServerProcess.start(dataDir, "512m", Map.of())) {
            Duration ready = server.awaitReady(Duration.ofSeconds(120));
            System.out.println(
                    "Standalone mode ready after " + ready.toMillis() + " ms (first start)");

            Path adminKeyFile = dataDir.resolve("admin.key");
            assertThat(server.output())
                    .contains("Anneal is running at http://localhost:" + server.httpPort)
                    .contains(adminKeyFile.toAbsolutePath().toString());
            assertOwnerOnly(adminKeyFile);
            assertOwnerOnly(dataDir.resolve("master.key"));

            String adminKey = Files.readString(adminKeyFile).strip();
            String tenant =
                    given().baseUri(server.baseUri())
                            .header("Authorization", "Bearer " + adminKey)
                            .contentType("application/json")
                            .body("{\"name\":\"restart\"}")
                            .post("/v1/admin/tenants")
                            .then()
                            .statusCode(201)
                            .extract()
                            .path("id");
            apiKey =
                    given().baseUri(server.baseUri())
                            .header("Authorization", "Bearer " + adminKey)
                            .post("/v1/admin/tenants/" + tenant + "/api_keys")
                            .then()
                            .statusCode(201)
                            .extract()
                            .path("key");
            fileId =
                    given().baseUri(server.baseUri())
                            .header("Authorization", "Bearer " + apiKey)
                            .multiPart("purpose", "fine-tune")
                            .multiPart("file", "t.jsonl", content.getBytes(StandardCharsets.UTF_8))
                            .post("/v1/files")
                            .then()
                            .statusCode(200)
                            .extract()
                            .path("id");

            server.stop("INT");
            assertThat(ServerProcess.processesMentioning(dataDir)).isEmpty();
        }

        try (ServerProcess server = ServerProcess.start(dataDir, "512m", Map.of())) {
            Duration ready = server.awaitReady(Duration.ofSeconds(120));
            System.out.println("Standalone mode ready after " + ready.toMillis() + " ms (restart)");
            String downloaded =
                    given().baseUri(server.baseUri())
                            .header("Authorization", "Bearer " + apiKey)
                            .get("/v1/files/" + fileId + "/content")
                            .then()
                            .statusCode(200)
                            .extract()
                            .asString();
            assertThat(downloaded).isEqualTo(content);

            // the packaged server builds its OpenAPI document on the first request (ADR 0047)
            given().baseUri(server.managementUri())
                    .get("/q/openapi?format=json")
                    .then()
                    .statusCode(200)
                    .body("paths", hasKey("/v1/files"));
            given().baseUri(server.managementUri())
                    .get("/q/openapi")
                    .then()
                    .statusCode(200)
                    .body(containsString("/v1/fine_tuning/jobs:"));

            server.stop("TERM");
            assertThat(ServerProcess.processesMentioning(dataDir)).isEmpty();
        }
    }

    private static void assertOwnerOnly(Path file) throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }
}
