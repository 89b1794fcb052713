package dev.anneal.server.launch;

import static dev.anneal.server.TestApi.chatLine;
import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.TestApi.upload;
import static dev.anneal.server.jobs.JobTestSupport.awaitStatus;
import static dev.anneal.server.jobs.JobTestSupport.createNanoJob;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile tenant's jobs cannot stop training for the others. On one worker process with two slots
 * and a small heap (and a memory budget set far above it, as a misconfigured operator would), a job
 * whose data would exhaust the heap fails after {@code ANNEAL_TUNER_MAX_ATTEMPTS} attempts and a
 * job that runs past {@code ANNEAL_TUNER_MAX_JOB_DURATION} fails with {@code job_timeout}, while
 * another tenant's job, queued behind them, succeeds on a slot the first left working.
 */
class JobContainmentIT {

    private Path dataDir;
    private EmbeddedInfrastructure infrastructure;
    private ServerProcess worker;

    @BeforeEach
    void startWorker() throws Exception {
        dataDir = Files.createTempDirectory("anneal-containment-");
        infrastructure = EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(dataDir));
        Map<String, String> env =
                ServerProcess.environmentFor(infrastructure, AnnealTestResources.ADMIN_KEY);
        env.put("ANNEAL_TUNER_MEMORY", "64g");
        env.put("ANNEAL_TUNER_MAX_JOB_DURATION", "40s");
        env.put("ANNEAL_TUNER_CONCURRENCY", "2");
        env.put("ANNEAL_TUNER_POLL_INTERVAL", "250ms");
        worker = ServerProcess.start(dataDir, "160m", env);
        worker.awaitReady(Duration.ofMinutes(2));
        RestAssured.port = worker.httpPort;
    }

    @AfterEach
    void stopEverything() throws Exception {
        RestAssured.reset();
        String output = worker.output();
        System.out.println(
                "Worker output, last lines:\n"
                        + output.substring(Math.max(0, output.length() - 6000)));
        worker.close();
        infrastructure.close();
        ServerProcess.deleteTree(dataDir);
    }

    @Test
    void shouldFailHostileJobsWhileAnotherTenantsJobSucceedsOnTheSameSlot() throws Exception {
        String hostile = newTenantKey();
        String hungry = nanoJob(hostile, uploadHugeChat(hostile), Map.of("n_epochs", 1));
        String endless =
                nanoJob(
                        hostile,
                        uploadChats(hostile, 400),
                        Map.of("n_epochs", 50, "batch_size", 1));
        String bystander = newTenantKey();
        String modest = nanoJob(bystander, uploadChats(bystander, 4), Map.of("n_epochs", 1));

        awaitStatus(bystander, modest, "succeeded", Duration.ofMinutes(3));
        JsonPath failed = awaitEnd(hostile, hungry);
        assertThat(failed.getString("status")).isEqualTo("failed");
        assertThat(failed.getString("error.code")).isEqualTo("insufficient_memory");
        assertThat(failed.getString("error.param")).isEqualTo("training_file");
        assertThat(failed.getString("error.message")).contains("does not fit this worker's memory");
        assertThat(attemptWarnings(hostile, hungry)).isEqualTo(2);

        JsonPath timedOut = awaitEnd(hostile, endless);
        assertThat(timedOut.getString("status")).isEqualTo("failed");
        assertThat(timedOut.getString("error.code")).isEqualTo("job_timeout");
        assertThat(timedOut.getString("error.message")).contains("40s");

        // the slot outlived every failure: no restart was needed, and the worker is ready
        JsonPath health =
                given().baseUri(worker.managementUri())
                        .get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(health.getInt("checks.find { it.name == 'tuner' }.data.slots_alive"))
                .isEqualTo(2);
        assertThat(health.getInt("checks.find { it.name == 'tuner' }.data.slot_restarts")).isZero();
    }

    private static String nanoJob(String key, String file, Map<String, Object> hyperparameters) {
        return createNanoJob(key, file, Map.of("hyperparameters", hyperparameters));
    }

    /**
     * About 4 MiB of chat whose tokens, as the engine holds them, need more than the worker's heap:
     * random words, so nothing compresses into few tokens.
     */
    private String uploadHugeChat(String key) throws IOException {
        Path file = Files.createTempFile(dataDir, "huge-", ".jsonl");
        Random random = new Random(7);
        String[] words = {"alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta"};
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder answer = new StringBuilder();
            for (int line = 0; line < 1_000; line++) {
                answer.setLength(0);
                while (answer.length() < 4000) {
                    answer.append(words[random.nextInt(words.length)])
                            .append(random.nextInt(1000))
                            .append(' ');
                }
                out.write(chatLine("question " + line + " " + answer.toString().trim()));
                out.write('\n');
            }
        }
        try {
            return given().header("Authorization", "Bearer " + key)
                    .multiPart("purpose", "fine-tune")
                    .multiPart("file", file.toFile(), "application/jsonl")
                    .post("/v1/files")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("id");
        } finally {
            Files.delete(file);
        }
    }

    private static String uploadChats(String key, int lines) {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            jsonl.append(chatLine("Count to " + i)).append('\n');
        }
        return upload(key, "chats.jsonl", jsonl.toString())
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    private static JsonPath awaitEnd(String key, String job) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            JsonPath now =
                    given().header("Authorization", "Bearer " + key)
                            .get("/v1/fine_tuning/jobs/" + job)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
            if (now.getString("finished_at") != null) {
                return now;
            }
            assertThat(System.nanoTime()).as("job " + job + " never ended").isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    /** The "attempt N failed … goes back to the queue" warnings among the job's events. */
    private static int attemptWarnings(String key, String job) {
        return given()
                .header("Authorization", "Bearer " + key)
                .get("/v1/fine_tuning/jobs/" + job + "/events?limit=100")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("data.message", String.class)
                .stream()
                .filter(m -> m.contains("goes back to the queue"))
                .toList()
                .size();
    }
}
