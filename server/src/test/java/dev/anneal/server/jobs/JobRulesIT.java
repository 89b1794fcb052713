package dev.anneal.server.jobs;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.jobs.JobTestSupport.awaitStatus;
import static dev.anneal.server.jobs.JobTestSupport.createJob;
import static dev.anneal.server.jobs.JobTestSupport.uploadStoryChats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a job may not do: bad requests, other tenants' data, and cancellation. */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class JobRulesIT {

    private static final String PREFERENCE_LINE =
            "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]},"
                    + "\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"Hello!\"}],"
                    + "\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"Go away.\"}]}\n";

    @Test
    void shouldRefuseNamingTheParameterAndCreateNothingWhenARequestIsBad() {
        String key = TestApi.newTenantKey();
        String file = uploadStoryChats(key, 4);
        String otherTenantsFile = uploadStoryChats(TestApi.newTenantKey(), 4);
        String preferences =
                TestApi.upload(key, "prefs.jsonl", PREFERENCE_LINE)
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("id");

        refused(key, with(file, Map.of("nonsense", 1)), "nonsense", "unknown_parameter");
        refused(key, with(file, Map.of("lora", Map.of("rank", 4))), "rank", "unknown_parameter");
        refused(key, with(file, Map.of("model", "no-such-model")), "model", "model_not_found");
        refused(key, with(otherTenantsFile, Map.of()), "training_file", "file_not_found");
        refused(key, with(preferences, Map.of()), "training_file", "invalid_file_format");
        refused(
                key,
                with(file, Map.of("validation_file", otherTenantsFile)),
                "validation_file",
                "file_not_found");
        refused(
                key,
                with(file, Map.of("hyperparameters", Map.of("n_epochs", "many"))),
                "n_epochs",
                null);
        refused(
                key,
                with(file, Map.of("method", Map.of("type", "reinforce"))),
                "method.type",
                null);
        refused(
                key,
                with(file, Map.of("lora", Map.of("target_modules", List.of("q", "mlp")))),
                "lora.target_modules",
                null);
        as(key).contentType("application/json")
                .body(with(file, Map.of("training_type", "half")))
                .post("/v1/fine_tuning/jobs")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("training_type"))
                .body(
                        "error.message",
                        equalTo(
                                "Invalid value for 'training_type': must be 'lora' or 'full',"
                                        + " got 'half'."));
        refused(
                key,
                with(file, Map.of("training_type", "full", "lora", Map.of("r", 4))),
                "lora",
                null);
        refused(key, with(file, Map.of("max_seq_length", 100_000)), "max_seq_length", null);
        refused(key, with(file, Map.of("suffix", "no spaces please")), "suffix", null);
        refused(
                key,
                with(file, Map.of("hyperparameters", Map.of("n_epochs", 51))),
                "n_epochs",
                null);
        refused(
                key,
                with(file, Map.of("hyperparameters", Map.of("batch_size", 257))),
                "batch_size",
                null);
        refused(
                key,
                with(file, Map.of("hyperparameters", Map.of("learning_rate_multiplier", 11))),
                "learning_rate_multiplier",
                null);
        refused(key, with(file, Map.of("lora", Map.of("r", 512))), "lora.r", null);
        refused(
                key,
                with(file, Map.of("checkpoint_interval", 100_001)),
                "checkpoint_interval",
                null);
        as(key).get("/v1/fine_tuning/jobs?limit=101")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("limit"));

        assertThat(
                        as(key).get("/v1/fine_tuning/jobs")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getList("data"))
                .isEmpty();
    }

    @Test
    void shouldNotRegisterAFolderWhenItIsNotAUsableModel() {
        TestApi.asAdmin()
                .contentType("application/json")
                .body(Map.of("id", "broken", "path", "/no/such/folder"))
                .post("/v1/admin/models")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("path"));
        TestApi.asAdmin()
                .contentType("application/json")
                .body(Map.of("id", "anneal-nano", "path", JobTestSupport.STORIES_260K.toString()))
                .post("/v1/admin/models")
                .then()
                .statusCode(409)
                .body("error.param", equalTo("id"));
        as(TestApi.newTenantKey())
                .contentType("application/json")
                .body(Map.of("id", "sneaky", "path", JobTestSupport.STORIES_260K.toString()))
                .post("/v1/admin/models")
                .then()
                .statusCode(403);
        assertThat(
                        TestApi.asAdmin()
                                .get("/v1/admin/models")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getList("data.id", String.class))
                .doesNotContain("broken", "sneaky");
    }

    @Test
    void shouldAnswerNotFoundOnEveryRouteWhenTheJobIsAnotherTenants() throws Exception {
        String owner = TestApi.newTenantKey();
        String jobId =
                createJob(
                        owner,
                        with(
                                uploadStoryChats(owner, 4),
                                Map.of("hyperparameters", Map.of("n_epochs", 1))));
        JsonPath job = awaitStatus(owner, jobId, "succeeded", Duration.ofMinutes(1));
        String model = job.getString("fine_tuned_model");
        String checkpoint =
                as(owner)
                        .get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("data[0].id");

        String stranger = TestApi.newTenantKey();
        String base = "/v1/fine_tuning/jobs/" + jobId;
        for (String route :
                List.of(
                        base,
                        base + "/events",
                        base + "/events?stream=true",
                        base + "/checkpoints",
                        base + "/checkpoints/" + checkpoint + "/content",
                        base + "/content",
                        "/v1/models/" + model,
                        "/v1/models/" + model + "/content")) {
            as(stranger)
                    .get(route)
                    .then()
                    .statusCode(404)
                    .body("error.type", equalTo("not_found_error"));
        }
        as(stranger).post(base + "/cancel").then().statusCode(404);
        as(stranger).delete("/v1/models/" + model).then().statusCode(404);
        // the owner's checkpoint id under the stranger's own job is not found either
        assertThat(
                        as(stranger)
                                .get("/v1/fine_tuning/jobs")
                                .then()
                                .extract()
                                .jsonPath()
                                .getList("data"))
                .isEmpty();
        assertThat(
                        as(stranger)
                                .get("/v1/models")
                                .then()
                                .extract()
                                .jsonPath()
                                .getList("data.id", String.class))
                .doesNotContain(model);
        // and the owner still has everything
        as(owner).get("/v1/models/" + model).then().statusCode(200);
        as(owner).get(base + "/events").then().statusCode(200);
    }

    @Test
    void shouldStopARunningJobWithinSecondsAndAQueuedOneAtOnceWhenCancelled() throws Exception {
        String first = TestApi.newTenantKey();
        String longJob =
                createJob(
                        first,
                        with(
                                uploadStoryChats(first, 800),
                                Map.of(
                                        "hyperparameters",
                                        Map.of("n_epochs", 50, "batch_size", 1),
                                        "checkpoint_interval",
                                        100_000)));
        awaitStatus(first, longJob, "running", Duration.ofMinutes(1));
        awaitTrainingSteps(first, longJob);

        // with one worker slot busy, another tenant's job waits first in line
        String second = TestApi.newTenantKey();
        String queued = createJob(second, with(uploadStoryChats(second, 4), Map.of()));
        JsonPath waiting = JobTestSupport.job(second, queued);
        assertThat(waiting.getString("status")).isEqualTo("queued");
        assertThat(waiting.getLong("queue_position")).isEqualTo(1L);
        as(second)
                .post("/v1/fine_tuning/jobs/" + queued + "/cancel")
                .then()
                .statusCode(200)
                .body("status", equalTo("cancelled"));

        long asked = System.nanoTime();
        as(first)
                .post("/v1/fine_tuning/jobs/" + longJob + "/cancel")
                .then()
                .statusCode(200)
                .body("status", equalTo("running"));
        awaitStatus(first, longJob, "cancelled", Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));
        as(first).post("/v1/fine_tuning/jobs/" + longJob + "/cancel").then().statusCode(409);

        // the worker is free for the next job
        String next = createJob(second, with(uploadStoryChats(second, 4), Map.of()));
        awaitStatus(second, next, "succeeded", Duration.ofMinutes(1));
    }

    /** Waits until the job reports its first training step. */
    private static void awaitTrainingSteps(String key, String jobId) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            List<String> types =
                    as(key).get("/v1/fine_tuning/jobs/" + jobId + "/events?limit=100")
                            .then()
                            .extract()
                            .jsonPath()
                            .getList("data.type", String.class);
            if (types.contains("metrics")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Job " + jobId + " did not start training");
    }

    /** A job on the built-in toy with {@code file}, changed by {@code overrides}. */
    private static Map<String, Object> with(String file, Map<String, Object> overrides) {
        Map<String, Object> body = new HashMap<>();
        body.put("model", "anneal-nano");
        body.put("training_file", file);
        body.putAll(overrides);
        return body;
    }

    private static void refused(String key, Map<String, Object> body, String param, String code) {
        var response =
                as(key).contentType("application/json")
                        .body(body)
                        .post("/v1/fine_tuning/jobs")
                        .then()
                        .statusCode(400)
                        .body("error.param", equalTo(param));
        if (code != null) {
            response.body("error.code", equalTo(code));
        }
    }
}
