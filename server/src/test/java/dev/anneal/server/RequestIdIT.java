package dev.anneal.server;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests and jobs can be followed through the logs: every response carries its request's id in
 * {@code x-request-id}, and the lines logged for a request or a job carry the request id, the
 * tenant and the job in their logging context.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class RequestIdIT {

    private static final String HEADER = "x-request-id";
    private static final String GENERATED = "req-[0-9A-Za-z]{24}";
    private static final Path STORIES_260K =
            Path.of("..", "tuner", "engine", "models", "stories260K").toAbsolutePath().normalize();

    @TestHTTPResource("/")
    URI base;

    private final Logger anneal = Logger.getLogger("dev.anneal");
    private final Captured captured = new Captured();

    @BeforeEach
    void captureLogs() {
        anneal.addHandler(captured);
    }

    @AfterEach
    void stopCapturing() {
        anneal.removeHandler(captured);
    }

    @Test
    void shouldEchoTheClientsIdWhenTheRequestCarriesOne() {
        String id = "client-" + UUID.randomUUID() + ".retry:2_x";
        assertThat(given().header(HEADER, id).get("/v1/files").header(HEADER)).isEqualTo(id);
        Response files = as(TestApi.newTenantKey()).header(HEADER, id).get("/v1/files");
        assertThat(files.statusCode()).isEqualTo(200);
        assertThat(files.header(HEADER)).isEqualTo(id);
        String longest = "a".repeat(128);
        assertThat(given().header(HEADER, longest).get("/v1/files").header(HEADER))
                .isEqualTo(longest);
    }

    @Test
    void shouldGenerateAnIdWhenTheRequestCarriesNone() {
        String first = given().get("/v1/files").header(HEADER);
        String second = given().get("/v1/files").header(HEADER);
        assertThat(first).matches(GENERATED);
        assertThat(second).matches(GENERATED).isNotEqualTo(first);
    }

    @Test
    void shouldReplaceTheClientsIdWhenItIsUnusable() {
        for (String unusable : List.of("", "has spaces", "a".repeat(129), "<script>", "tab\tid")) {
            assertThat(given().header(HEADER, unusable).get("/v1/files").header(HEADER))
                    .as("replaces '%s'", unusable)
                    .matches(GENERATED);
        }
    }

    @Test
    void shouldCarryTheIdWhenTheRequestIsRefused() {
        assertRefusedWithId(given(), "/v1/files", 401);
        assertRefusedWithId(
                as(TestApi.newTenantKey()), "/v1/files/file-000000000000000000000000", 404);
        assertRefusedWithId(given(), "/no/such/route", 404);
        assertRefusedWithId(asAdmin(), "/v1/files", 403);
        String id = "too-large-" + UUID.randomUUID();
        Response tooLarge =
                asAdmin()
                        .header(HEADER, id)
                        .contentType("application/json")
                        .body("{\"name\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}")
                        .post("/v1/admin/tenants");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.header(HEADER)).isEqualTo(id);
    }

    @Test
    void shouldLogTheRequestAndTenantIdsWhenARequestIsServed() {
        String tenant = TestApi.newTenant();
        String key = TestApi.newKey(tenant);
        String id = "logged-" + UUID.randomUUID();
        as(key).header(HEADER, id).get("/v1/files").then().statusCode(200);

        Map<String, String> mdc = captured.await(r -> id.equals(r.getMdc("requestId")));
        assertThat(mdc).containsEntry("requestId", id).containsEntry("tenantId", tenant);

        String refused = "refused-" + UUID.randomUUID();
        given().header(HEADER, refused).get("/v1/files").then().statusCode(401);
        assertThat(captured.await(r -> refused.equals(r.getMdc("requestId"))))
                .doesNotContainKey("tenantId");
    }

    @Test
    void shouldLogTheTenantAndJobIdsWhenAWorkerRunsAJob() throws Exception {
        String tenant = TestApi.newTenant();
        String key = TestApi.newKey(tenant);
        String model = "stories260k-" + UUID.randomUUID().toString().substring(0, 8);
        asAdmin()
                .contentType("application/json")
                .body(Map.of("id", model, "path", STORIES_260K.toString()))
                .post("/v1/admin/models")
                .then()
                .statusCode(201);
        String file = TestApi.uploadChat(key);
        String jobId =
                as(key).contentType("application/json")
                        .body(
                                Map.of(
                                        "model",
                                        model,
                                        "training_file",
                                        file,
                                        "hyperparameters",
                                        Map.of("n_epochs", 1, "batch_size", 2)))
                        .post("/v1/fine_tuning/jobs")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("id");
        try {
            // the event stream's headers, without following the stream to the job's end
            String streamId = "stream-" + UUID.randomUUID();
            HttpResponse<InputStream> stream =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    base.resolve(
                                                            "/v1/fine_tuning/jobs/"
                                                                    + jobId
                                                                    + "/events?stream=true"))
                                            .header("Authorization", "Bearer " + key)
                                            .header(HEADER, streamId)
                                            .timeout(Duration.ofSeconds(30))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofInputStream());
            stream.body().close();
            assertThat(stream.headers().firstValue("content-type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
            assertThat(stream.headers().firstValue(HEADER)).hasValue(streamId);

            Map<String, String> claimed =
                    captured.await(
                            r ->
                                    r.getLoggerName().endsWith(".TunerWorker")
                                            && jobId.equals(r.getMdc("jobId")));
            assertThat(claimed)
                    .containsEntry("tenantId", tenant)
                    .containsEntry("attempt", "1")
                    .doesNotContainKey("requestId");
        } finally {
            as(key).post("/v1/fine_tuning/jobs/" + jobId + "/cancel");
        }
    }

    private static void assertRefusedWithId(
            io.restassured.specification.RequestSpecification request, String path, int status) {
        String id = "refused-" + UUID.randomUUID();
        Response response = request.header(HEADER, id).get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(status);
        assertThat(response.header(HEADER)).as(path).isEqualTo(id);
    }

    /** The log records of {@code dev.anneal.*}, with the logging context as it was when logged. */
    private static final class Captured extends Handler {

        private final List<ExtLogRecord> records = new CopyOnWriteArrayList<>();

        Captured() {
            setLevel(Level.ALL);
        }

        @Override
        public void publish(LogRecord record) {
            ExtLogRecord ext = ExtLogRecord.wrap(record);
            ext.copyMdc(); // now, on the thread that logs
            records.add(ext);
        }

        /** The logging context of the first record that matches, waiting up to 10 s for it. */
        Map<String, String> await(Predicate<ExtLogRecord> matching) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                for (ExtLogRecord record : records) {
                    if (matching.test(record)) {
                        return record.getMdcCopy();
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new AssertionError("No log record matched; captured: " + describe());
        }

        private String describe() {
            return records.stream()
                    .map(r -> r.getLoggerName() + " " + r.getMdcCopy() + " " + r.getMessage())
                    .toList()
                    .toString();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
