package dev.anneal.server.limits;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.jobs.JobTestSupport.uploadStoryChats;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A job whose estimated peak memory is beyond a worker's is refused before it is queued. */
@QuarkusTest
@TestProfile(JobMemoryIT.SmallWorkers.class)
@WithTestResource(AnnealTestResources.class)
class JobMemoryIT {

    /** Workers of 64 MiB; no worker runs here. */
    public static class SmallWorkers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anneal.tuner.memory", "64M", "anneal.roles", "api");
        }
    }

    @Test
    void shouldRefuseAJobBeyondAWorkersMemoryNamingTheEstimateAndTheBudget() {
        TestApi.asAdmin()
                .contentType("application/json")
                .body(
                        Map.of(
                                "id",
                                "stories-small-workers",
                                "path",
                                Path.of("../tuner/engine/models/stories260K")
                                        .toAbsolutePath()
                                        .normalize()
                                        .toString()))
                .post("/v1/admin/models")
                .then()
                .statusCode(201);
        String key = newTenantKey();
        String file = uploadStoryChats(key, 4);
        as(key).contentType("application/json")
                .body(job(file, 512, 256))
                .post("/v1/fine_tuning/jobs")
                .then()
                .statusCode(400)
                .body("error.code", equalTo("insufficient_memory"))
                .body("error.param", equalTo("batch_size"))
                .body("error.message", containsString("GiB of memory (weights"))
                .body("error.message", containsString("more than a worker's 0.06 GiB"));
        as(key).get("/v1/fine_tuning/jobs").then().statusCode(200).body("data", empty());

        as(key).contentType("application/json")
                .body(job(file, 64, 1))
                .post("/v1/fine_tuning/jobs")
                .then()
                .statusCode(200);
    }

    private static Map<String, Object> job(String file, int maxSeqLength, int batchSize) {
        return Map.of(
                "model",
                "stories-small-workers",
                "training_file",
                file,
                "max_seq_length",
                maxSeqLength,
                "hyperparameters",
                Map.of("batch_size", batchSize));
    }
}
