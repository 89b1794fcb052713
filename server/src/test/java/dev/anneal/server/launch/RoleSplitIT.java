package dev.anneal.server.launch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.anneal.events.Topics;
import dev.anneal.store.blob.S3ProxyServer;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The platform split into its roles, as the Helm chart deploys it: five processes of the packaged
 * application, each with a data folder of its own as on its own node ({@code api}, {@code serve},
 * two {@code tuner}s, {@code feedback}), on one PostgreSQL, one Kafka broker whose topics were made
 * beforehand (as Strimzi's {@code KafkaTopic}s make them; {@code ANNEAL_KAFKA_CREATE_TOPICS=false})
 * and an S3 object store (S3Proxy). All five start at once on an empty database: the schema is
 * migrated once. The whole loop goes through the API process: upload, fine-tune, chat with the
 * fine-tuned model (forwarded to the serving process), feedback through Kafka to the feedback
 * process, a preference dataset, DPO. The tuner training the first job is killed with SIGKILL
 * mid-job; the other takes it over from its last checkpoint on the object store and finishes it.
 */
class RoleSplitIT {

    private static final String ADMIN_KEY = "sk-admin-roles-0123456789";
    private static final String BUCKET = "anneal";
    private static final String RETENTION_MS = "3600000";

    private Path root;
    private EmbeddedInfrastructure infrastructure;
    private S3ProxyServer s3;
    private final Map<String, ServerProcess> processes = new LinkedHashMap<>();

    @BeforeEach
    void startInfrastructure() throws Exception {
        root = Files.createTempDirectory("anneal-roles-");
        infrastructure =
                EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(root.resolve("infra")));
        s3 = S3ProxyServer.start(root.resolve("s3"));
        s3.createBucket(BUCKET);
        // the topics as an operator declares them; the platform must neither create nor alter them
        try (Admin admin = Admin.create(infrastructure.kafkaSettings().admin())) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : Topics.ALL) {
                topics.add(
                        new NewTopic(topic, 2, (short) 1)
                                .configs(Map.of("retention.ms", RETENTION_MS)));
            }
            admin.createTopics(topics).all().get();
        }
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (ServerProcess process : processes.values()) {
            process.close();
        }
        s3.close();
        infrastructure.close();
        ServerProcess.deleteTree(root);
    }

    @Test
    void shouldRunTheWholeLoopThroughTheApiWhenRolesRunInProcessesOfTheirOwn() throws Exception {
        Map<String, String> env = ServerProcess.environmentFor(infrastructure, ADMIN_KEY);
        env.remove("ANNEAL_DATA_DIR"); // each process has its own, as on a node of its own
        env.putAll(s3.environment(BUCKET));
        env.put("ANNEAL_KAFKA_CREATE_TOPICS", "false");
        env.put("ANNEAL_TUNER_LEASE", "5s");
        env.put("ANNEAL_TUNER_HEARTBEAT", "1s");
        env.put("ANNEAL_TUNER_POLL_INTERVAL", "250ms");
        start("serve", "serve", "512m", env);
        Map<String, String> apiEnv = new HashMap<>(env);
        apiEnv.put("ANNEAL_SERVE_URL", processes.get("serve").baseUri());
        start("api", "api", "384m", apiEnv);
        start("tuner-1", "tuner", "512m", env);
        start("tuner-2", "tuner", "512m", env);
        start("feedback", "feedback", "384m", env);
        for (ServerProcess process : processes.values()) {
            process.awaitReady(Duration.ofMinutes(3));
        }
        assertThat(countMigrationsAppliedBy()).isOne();

        String tenant =
                admin().contentType("application/json")
                        .body("{\"name\":\"roles\"}")
                        .post("/v1/admin/tenants")
                        .then()
                        .statusCode(201)
                        .extract()
                        .path("id");
        String key =
                admin().post("/v1/admin/tenants/" + tenant + "/api_keys")
                        .then()
                        .statusCode(201)
                        .extract()
                        .path("key");

        // upload and fine-tune; the tuner that trains it dies after the first checkpoint
        String file = upload(key, "count.jsonl", countingChats());
        String jobId =
                api(key).contentType("application/json")
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
        String owner = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (owner == null || checkpoints(key, jobId).isEmpty()) {
            assertThat(System.nanoTime()).as("job never checkpointed").isLessThan(deadline);
            for (String tuner : List.of("tuner-1", "tuner-2")) {
                if (processes.get(tuner).output().contains("runs job " + jobId)) {
                    owner = tuner;
                }
            }
            Thread.sleep(100);
        }
        List<Integer> checkpointed = checkpoints(key, jobId);
        assertThat(processes.get(owner).stop("KILL")).isEqualTo(137);
        String survivor = owner.equals("tuner-1") ? "tuner-2" : "tuner-1";

        JsonPath job = awaitSucceeded(key, jobId, Duration.ofMinutes(3));
        String model = job.getString("fine_tuned_model");
        assertThat(model).isNotNull();
        assertThat(processes.get(survivor).output()).contains("runs job " + jobId + " (attempt 2)");
        assertResumedFromCheckpoint(key, jobId, checkpointed.get(0));

        // the fine-tuned model answers through the API process, whole and streamed
        Map<String, Object> chat =
                Map.of(
                        "model",
                        model,
                        "max_tokens",
                        8,
                        "messages",
                        List.of(Map.of("role", "user", "content", "Count to 3")));
        JsonPath answer =
                api(key).contentType("application/json")
                        .body(chat)
                        .post("/v1/chat/completions")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(answer.getString("model")).isEqualTo(model);
        assertThat(answer.getInt("usage.completion_tokens")).isPositive();
        Map<String, Object> streamed = new HashMap<>(chat);
        streamed.put("stream", true);
        String events =
                api(key).contentType("application/json")
                        .body(streamed)
                        .post("/v1/chat/completions")
                        .then()
                        .statusCode(200)
                        .header("Content-Type", startsWith("text/event-stream"))
                        .extract()
                        .asString();
        assertThat(events).contains("chat.completion.chunk");
        assertThat(events.strip()).endsWith("data: [DONE]");
        assertThat(processes.get("serve").output()).contains(model);
        // another tenant's key cannot reach the model through the forwarding either
        api(otherTenantKey())
                .contentType("application/json")
                .body(chat)
                .post("/v1/chat/completions")
                .then()
                .statusCode(404)
                .body("error.code", equalTo("model_not_found"));

        // judgements through Kafka to the feedback process, a preference dataset, DPO (fixed
        // texts: the toy model's own answers are random tokens, at times too long for a pair)
        StringBuilder batch = new StringBuilder("[");
        for (String annotator : List.of("ann", "bob", "cat")) {
            batch.append(batch.length() > 1 ? "," : "")
                    .append(
                            """
                            {"event_id":"%s","type":"pairwise",
                             "prompt":[{"role":"user","content":"Count to 3"}],
                             "chosen":[{"role":"assistant","content":"1 2 3"}],
                             "rejected":[{"role":"assistant","content":"1 2 3 4 5"}],
                             "chosen_model":"%s","rejected_model":"anneal-nano",
                             "annotator_id":"%s"}
                            """
                                    .formatted(UUID.randomUUID(), model, annotator));
        }
        api(key).contentType("application/json")
                .body(batch.append("]").toString())
                .post("/v1/feedback")
                .then()
                .statusCode(202);
        long stored = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (api(key).get("/v1/feedback?limit=10")
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("data")
                        .size()
                < 3) {
            assertThat(System.nanoTime()).as("feedback stored").isLessThan(stored);
            Thread.sleep(200);
        }
        assertThat(processes.get("feedback").output()).doesNotContain("ERROR");
        String pairs =
                api(key).contentType("application/json")
                        .body(Map.of("aggregation", "majority", "min_annotators", 3))
                        .post("/v1/preference_datasets")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("id");
        String dpo =
                api(key).contentType("application/json")
                        .body(
                                Map.of(
                                        "model",
                                        model,
                                        "training_file",
                                        pairs,
                                        "method",
                                        Map.of("type", "dpo")))
                        .post("/v1/fine_tuning/jobs")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("id");
        assertThat(awaitSucceeded(key, dpo, Duration.ofMinutes(3)).getString("fine_tuned_model"))
                .startsWith("ft:");

        // blobs live in the object store only, as ciphertext; no process kept one on its disk
        for (String name : processes.keySet()) {
            assertThat(root.resolve(name).resolve("blobs")).doesNotExist();
        }
        assertThat(plaintextUnder(root.resolve("s3"), "Count to 17")).isEmpty();
        assertThat(storedObjects(tenant)).isNotEmpty();
        // the operator's topics were left as they were declared
        try (Admin admin = Admin.create(infrastructure.kafkaSettings().admin())) {
            ConfigResource topic =
                    new ConfigResource(ConfigResource.Type.TOPIC, Topics.PREFERENCES);
            assertThat(
                            admin.describeConfigs(List.of(topic))
                                    .all()
                                    .get()
                                    .get(topic)
                                    .get("retention.ms")
                                    .value())
                    .isEqualTo(RETENTION_MS);
        }

        // the killed tuner left its decrypted training file on its node; started again there, it
        // sweeps it, and reconciles blobs: one it stored without its record is gone
        assertThat(plaintextUnder(root.resolve(owner), "Count to 17")).isNotEmpty();
        Map<String, String> restart = new HashMap<>(env);
        restart.put("ANNEAL_BLOBS_ORPHAN_GRACE", "0s");
        processes.put(
                owner + "-again",
                ServerProcess.start(root.resolve(owner), "512m", withRole(restart, "tuner")));
        processes.get(owner + "-again").awaitReady(Duration.ofMinutes(2));
        assertThat(plaintextUnder(root.resolve(owner), "Count to 17")).isEmpty();
        assertThat(processes.get(owner + "-again").output()).contains("Deleted 1 work folder(s)");
        long reconciled = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!unnamedBlobs(tenant).isEmpty()) {
            assertThat(System.nanoTime()).as("blobs no record names").isLessThan(reconciled);
            Thread.sleep(200);
        }
    }

    private void start(String name, String role, String heap, Map<String, String> env)
            throws IOException {
        processes.put(name, ServerProcess.start(root.resolve(name), heap, withRole(env, role)));
    }

    private static Map<String, String> withRole(Map<String, String> env, String role) {
        Map<String, String> withRole = new HashMap<>(env);
        withRole.put("ANNEAL_ROLES", role);
        return withRole;
    }

    private RequestSpecification admin() {
        return api(ADMIN_KEY);
    }

    private RequestSpecification api(String key) {
        return given().baseUri(processes.get("api").baseUri())
                .header("Authorization", "Bearer " + key);
    }

    private String otherTenantKey() {
        String other =
                admin().contentType("application/json")
                        .body("{\"name\":\"other\"}")
                        .post("/v1/admin/tenants")
                        .then()
                        .statusCode(201)
                        .extract()
                        .path("id");
        return admin().post("/v1/admin/tenants/" + other + "/api_keys")
                .then()
                .statusCode(201)
                .extract()
                .path("key");
    }

    private String upload(String key, String name, String jsonl) {
        return api(key).multiPart("purpose", "fine-tune")
                .multiPart(
                        "file", name, jsonl.getBytes(StandardCharsets.UTF_8), "application/jsonl")
                .post("/v1/files")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    private static String countingChats() {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            jsonl.append("{\"messages\":[{\"role\":\"user\",\"content\":\"Count to ")
                    .append(i)
                    .append("\"},{\"role\":\"assistant\",\"content\":\"")
                    .append("1 2 3 4 5 6 7 8 9 ".repeat(1 + i % 3))
                    .append("\"}]}\n");
        }
        return jsonl.toString();
    }

    /** Reads the job's events oldest first and checks that training went on after the resume. */
    private void assertResumedFromCheckpoint(String key, String jobId, int firstCheckpoint) {
        List<String> messages = new ArrayList<>();
        List<int[]> metricSteps = new ArrayList<>(); // {message index, step}
        List<Map<String, Object>> newestFirst = new ArrayList<>();
        String after = "";
        boolean more = true;
        while (more) {
            JsonPath page =
                    api(key).get("/v1/fine_tuning/jobs/" + jobId + "/events?limit=100" + after)
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
        assertThat(resumedStep).isGreaterThanOrEqualTo(firstCheckpoint);
        // after the take-over, training continues from the checkpoint, not from the start
        assertThat(metricSteps.stream().filter(m -> m[0] > resumed).map(m -> m[1]))
                .isNotEmpty()
                .allMatch(step -> step > resumedStep);
        assertThat(messages).last().isEqualTo("The job has successfully completed");
    }

    private static int indexOfPrefix(List<String> messages, String prefix) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    /** How many schema migrations ran: each exactly once, whichever process ran it. */
    private int countMigrationsAppliedBy() throws Exception {
        try (Connection db = database();
                PreparedStatement repeated =
                        db.prepareStatement(
                                "select count(*) from flyway_schema_history group by version"
                                        + " order by count(*) desc limit 1");
                ResultSet rows = repeated.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private Connection database() throws Exception {
        Map<String, String> config = infrastructure.configuration();
        return DriverManager.getConnection(
                config.get("anneal.db.url"),
                config.get("anneal.db.user"),
                config.get("anneal.db.password"));
    }

    /** The tenant's objects in the bucket, by blob name (S3Proxy keeps them as files). */
    private List<String> storedObjects(String tenant) throws IOException {
        Path dir = root.resolve("s3").resolve(BUCKET).resolve(tenant);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).toList();
        }
    }

    /** The tenant's stored objects that no file, checkpoint or model record names. */
    private List<String> unnamedBlobs(String tenant) throws Exception {
        List<String> unnamed = new ArrayList<>();
        try (Connection db = database();
                PreparedStatement named =
                        db.prepareStatement(
                                "select 1 from stored_file where id = ? union all select 1 from"
                                        + " job_checkpoint where id = ? union all select 1 from"
                                        + " fine_tuned_model where blob_name = ?")) {
            for (String name : storedObjects(tenant)) {
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

    /** What the tuner processes logged, for a failure's description. */
    private String tunerLogs() {
        StringBuilder logs = new StringBuilder();
        processes.forEach(
                (name, process) -> {
                    if (name.startsWith("tuner")) {
                        try {
                            logs.append("--- ").append(name).append('\n').append(process.output());
                        } catch (IOException e) {
                            logs.append("--- ").append(name).append(": ").append(e).append('\n');
                        }
                    }
                });
        return logs.toString();
    }

    private List<Integer> checkpoints(String key, String jobId) {
        return api(key).get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("data.step_number", Integer.class);
    }

    private JsonPath awaitSucceeded(String key, String jobId, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            JsonPath job =
                    api(key).get("/v1/fine_tuning/jobs/" + jobId).then().extract().jsonPath();
            String status = job.getString("status");
            if (status.equals("succeeded")) {
                return job;
            }
            assertThat(status)
                    .as(
                            () ->
                                    "job "
                                            + jobId
                                            + " (error "
                                            + job.getMap("error")
                                            + ")\n"
                                            + tunerLogs())
                    .isIn("validating_files", "queued", "running");
            assertThat(System.nanoTime()).as("job " + jobId + " finished").isLessThan(deadline);
            Thread.sleep(250);
        }
    }
}
