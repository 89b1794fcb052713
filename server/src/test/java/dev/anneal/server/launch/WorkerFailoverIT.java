package dev.anneal.server.launch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two worker processes share one database, one Kafka broker and one blob folder; the one training a
 * job is killed with SIGKILL mid-job. The other takes the job over from its last checkpoint once
 * the lease expires, says so in an event, and finishes it.
 */
class WorkerFailoverIT {

    private static final String ADMIN_KEY = "sk-admin-failover-0123456789";

    private Path dataDir;
    private EmbeddedInfrastructure infrastructure;
    private final List<ServerProcess> workers = new ArrayList<>();

    @BeforeEach
    void startInfrastructure() throws Exception {
        dataDir = Files.createTempDirectory("anneal-failover-");
        infrastructure = EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(dataDir));
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (ServerProcess worker : workers) {
            worker.close();
        }
        infrastructure.close();
        ServerProcess.deleteTree(dataDir);
    }

    @Test
    void shouldTakeOverFromTheLastCheckpointAndSucceedWhenAWorkerIsKilled() throws Exception {
        Map<String, String> env = ServerProcess.environmentFor(infrastructure, ADMIN_KEY);
        env.put("ANNEAL_TUNER_LEASE", "5s");
        env.put("ANNEAL_TUNER_HEARTBEAT", "1s");
        env.put("ANNEAL_TUNER_POLL_INTERVAL", "250ms");
        for (int i = 0; i < 2; i++) {
            workers.add(ServerProcess.start(dataDir, "512m", env));
        }
        for (ServerProcess worker : workers) {
            worker.awaitReady(Duration.ofMinutes(2));
        }
        RequestSpecification admin =
                given().baseUri(workers.get(0).baseUri())
                        .header("Authorization", "Bearer " + ADMIN_KEY);
        String tenant =
                admin.contentType("application/json")
                        .body("{\"name\":\"failover\"}")
                        .post("/v1/admin/tenants")
                        .then()
                        .statusCode(201)
                        .extract()
                        .path("id");
        String key =
                given().baseUri(workers.get(0).baseUri())
                        .header("Authorization", "Bearer " + ADMIN_KEY)
                        .post("/v1/admin/tenants/" + tenant + "/api_keys")
                        .then()
                        .statusCode(201)
                        .extract()
                        .path("key");
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            jsonl.append("{\"messages\":[{\"role\":\"user\",\"content\":\"Count to ")
                    .append(i)
                    .append("\"},{\"role\":\"assistant\",\"content\":\"")
                    .append("1 2 3 4 5 6 7 8 9 ".repeat(1 + i % 3))
                    .append("\"}]}\n");
        }
        String file =
                as(0, key)
                        .multiPart("purpose", "fine-tune")
                        .multiPart(
                                "file",
                                "count.jsonl",
                                jsonl.toString().getBytes(),
                                "application/jsonl")
                        .post("/v1/files")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("id");
        String jobId =
                as(0, key)
                        .contentType("application/json")
                        .body(
                                Map.of(
                                        "model",
                                        "anneal-nano",
                                        "training_file",
                                        file,
                                        "learning_rate",
                                        0.003,
                                        "checkpoint_interval",
                                        10,
                                        "max_seq_length",
                                        64,
                                        "hyperparameters",
                                        Map.of("n_epochs", 5, "batch_size", 2)))
                        .post("/v1/fine_tuning/jobs")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("id");

        // wait for the first checkpoint, then kill whoever trains the job
        int owner = -1;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (owner < 0 || checkpoints(0, key, jobId).isEmpty()) {
            assertThat(System.nanoTime()).as("job never checkpointed").isLessThan(deadline);
            for (int i = 0; i < workers.size(); i++) {
                if (workers.get(i).output().contains("runs job " + jobId)) {
                    owner = i;
                }
            }
            Thread.sleep(100);
        }
        List<Integer> checkpointed = checkpoints(0, key, jobId);
        assertThat(workers.get(owner).stop("KILL")).isEqualTo(137);
        int survivor = 1 - owner;

        long killed = System.nanoTime();
        JsonPath job = awaitSucceeded(survivor, key, jobId, Duration.ofMinutes(3));
        System.out.printf(
                "Job %s: killed worker %d after checkpoints %s; survivor finished %.1f s later%n",
                jobId, owner, checkpointed, (System.nanoTime() - killed) / 1e9);
        assertThat(job.getString("fine_tuned_model")).isNotNull();
        assertThat(workers.get(survivor).output()).contains("runs job " + jobId + " (attempt 2)");

        List<String> messages = new ArrayList<>();
        List<int[]> metricSteps = new ArrayList<>(); // {message index, step}
        List<Map<String, Object>> newestFirst = new ArrayList<>();
        String after = "";
        boolean more = true;
        while (more) {
            JsonPath page =
                    as(survivor, key)
                            .get("/v1/fine_tuning/jobs/" + jobId + "/events?limit=100" + after)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
            List<Map<String, Object>> data = page.getList("data");
            newestFirst.addAll(data);
            more = page.getBoolean("has_more");
            after = data.isEmpty() ? after : "&after=" + data.get(data.size() - 1).get("id");
        }
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            Map<String, Object> event = newestFirst.get(i);
            messages.add((String) event.get("message"));
            @SuppressWarnings("unchecked")
            Map<String, Object> data = (Map<String, Object>) event.get("data");
            if ("metrics".equals(event.get("type")) && data.containsKey("train_loss")) {
                metricSteps.add(
                        new int[] {messages.size() - 1, ((Number) data.get("step")).intValue()});
            }
        }
        int restart = indexOfPrefix(messages, "Job restarted from its last checkpoint");
        assertThat(restart).as("a restart event").isPositive();
        int resumed = indexOfPrefix(messages, "Training resumed after step ");
        assertThat(resumed).isGreaterThan(restart);
        int resumedStep =
                Integer.parseInt(
                        messages.get(resumed)
                                .replaceAll("Training resumed after step (\\d+):.*", "$1"));
        assertThat(resumedStep).isGreaterThanOrEqualTo(checkpointed.get(0));
        // after the take-over, training continues from the checkpoint, not from the start
        assertThat(metricSteps.stream().filter(m -> m[0] > resumed).map(m -> m[1]))
                .isNotEmpty()
                .allMatch(step -> step > resumedStep);
        assertThat(messages).last().isEqualTo("The job has successfully completed");

        // the killed worker left its decrypted training file behind; a worker starting on this
        // host sweeps it, so no plaintext of the file remains anywhere under the data folder
        assertThat(plaintextUnder(dataDir, "Count to 17")).isNotEmpty();
        // and reconciles blobs at start: a checkpoint the killed worker stored without its
        // record, if any, is gone (no grace here, so that it counts at once)
        env.put("ANNEAL_BLOBS_ORPHAN_GRACE", "0s");
        ServerProcess restarted = ServerProcess.start(dataDir, "512m", env);
        workers.add(restarted);
        restarted.awaitReady(Duration.ofMinutes(2));
        assertThat(plaintextUnder(dataDir, "Count to 17")).isEmpty();
        assertThat(restarted.output()).contains("Deleted 1 work folder(s)");
        long reconciled = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!unnamedBlobs(tenant).isEmpty()) {
            assertThat(System.nanoTime()).as("blobs no record names").isLessThan(reconciled);
            Thread.sleep(200);
        }
    }

    /** The tenant's blob files that no file, checkpoint or model record names. */
    private List<String> unnamedBlobs(String tenant) throws Exception {
        List<String> unnamed = new ArrayList<>();
        try (Stream<Path> files = Files.list(dataDir.resolve("blobs").resolve(tenant));
                Connection db =
                        DriverManager.getConnection(
                                infrastructure.configuration().get("anneal.db.url"),
                                infrastructure.configuration().get("anneal.db.user"),
                                infrastructure.configuration().get("anneal.db.password"));
                PreparedStatement named =
                        db.prepareStatement(
                                "select 1 from stored_file where id = ? union all select 1 from"
                                        + " job_checkpoint where id = ? union all select 1 from"
                                        + " fine_tuned_model where blob_name = ?")) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith(".")) {
                    continue; // an upload still being written
                }
                named.setString(1, name);
                named.setString(2, name);
                named.setString(3, name);
                try (ResultSet rows = named.executeQuery()) {
                    if (!rows.next()) {
                        unnamed.add(name);
                    }
                }
            }
        }
        return unnamed;
    }

    /** The files under {@code root} that contain {@code text}. */
    private static List<Path> plaintextUnder(Path root, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(f -> contains(f, needle)).toList();
        }
    }

    private static boolean contains(Path file, byte[] needle) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return false; // gone meanwhile, or not readable: holds nothing readable
        }
        outer:
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private RequestSpecification as(int worker, String key) {
        return given().baseUri(workers.get(worker).baseUri())
                .header("Authorization", "Bearer " + key);
    }

    private List<Integer> checkpoints(int worker, String key, String jobId) {
        return as(worker, key)
                .get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("data.step_number", Integer.class);
    }

    private JsonPath awaitSucceeded(int worker, String key, String jobId, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            JsonPath job =
                    as(worker, key)
                            .get("/v1/fine_tuning/jobs/" + jobId)
                            .then()
                            .extract()
                            .jsonPath();
            String status = job.getString("status");
            if (status.equals("succeeded")) {
                return job;
            }
            assertThat(status).isIn("queued", "running");
            assertThat(System.nanoTime()).as("job still " + status).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    private static int indexOfPrefix(List<String> messages, String prefix) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
