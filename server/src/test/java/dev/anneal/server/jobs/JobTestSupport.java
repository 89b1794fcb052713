package dev.anneal.server.jobs;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.server.TestApi;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * What the job and serving tests share: data, model registration, jobs run to the end, waiting, and
 * reading archives.
 */
public final class JobTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();

    public static final Path STORIES_260K =
            Path.of("..", "tuner", "engine", "models", "stories260K").toAbsolutePath().normalize();

    private JobTestSupport() {}

    /** Registers the stories260K fixture under a fresh id; returns the id. */
    public static String registerStories260K() {
        String id = "stories260k-" + UUID.randomUUID().toString().substring(0, 8);
        asAdmin()
                .contentType("application/json")
                .body(Map.of("id", id, "path", STORIES_260K.toString()))
                .post("/v1/admin/models")
                .then()
                .statusCode(201);
        return id;
    }

    /** A chat training file of {@code lines} short conversations; returns its id. */
    public static String uploadStoryChats(String key, int lines) {
        StringBuilder jsonl = new StringBuilder();
        String[] names = {"Lily", "Tom", "Sue", "Ben"};
        for (int i = 0; i < lines; i++) {
            String name = names[i % names.length];
            jsonl.append("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about ")
                    .append(name)
                    .append(".\"},{\"role\":\"assistant\",\"content\":\"")
                    .append(name)
                    .append(" was a little girl. She liked to play in the park.\"}]}\n");
        }
        return TestApi.upload(key, "stories.jsonl", jsonl.toString())
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    /**
     * A chat training file of one exchange, {@code question} then {@code answer}, repeated {@code
     * times}; returns its id.
     */
    public static String uploadRepeatedChat(String key, String question, String answer, int times) {
        String line =
                "{\"messages\":[{\"role\":\"user\",\"content\":\""
                        + question
                        + "\"},{\"role\":\"assistant\",\"content\":\""
                        + answer
                        + "\"}]}\n";
        return TestApi.upload(key, "chat.jsonl", line.repeat(times))
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    /**
     * A tiny LoRA job on {@code baseModel} (8 lines of one chat, 2 epochs, r 4 on q and v, seed 3)
     * run to the end; returns its fine-tuned model's id.
     */
    public static String trainTinyLora(String key, String baseModel) throws InterruptedException {
        String file = uploadRepeatedChat(key, "Tell me about Lily.", "Lily was a little girl.", 8);
        String job =
                createJob(
                        key,
                        Map.of(
                                "model",
                                baseModel,
                                "training_file",
                                file,
                                "seed",
                                3,
                                "method",
                                Map.of(
                                        "type",
                                        "supervised",
                                        "supervised",
                                        Map.of(
                                                "hyperparameters",
                                                Map.of("n_epochs", 2, "batch_size", 4))),
                                "lora",
                                Map.of(
                                        "r",
                                        4,
                                        "alpha",
                                        8,
                                        "dropout",
                                        0.0,
                                        "target_modules",
                                        List.of("q_proj", "v_proj"))));
        return awaitStatus(key, job, "succeeded", Duration.ofSeconds(90))
                .getString("fine_tuned_model");
    }

    public static String createJob(String key, Map<String, Object> body) {
        return as(key).contentType("application/json")
                .body(body)
                .post("/v1/fine_tuning/jobs")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    /**
     * A job on the built-in {@code anneal-nano} model with {@code file} as training file and the
     * other fields of {@code more}; returns its id.
     */
    public static String createNanoJob(String key, String file, Map<String, Object> more) {
        Map<String, Object> body = new java.util.LinkedHashMap<>(more);
        body.put("model", "anneal-nano");
        body.put("training_file", file);
        return createJob(key, body);
    }

    static JsonPath job(String key, String id) {
        return as(key).get("/v1/fine_tuning/jobs/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    /** Polls until the job has {@code status}; fails on another final status or after the wait. */
    public static JsonPath awaitStatus(String key, String id, String status, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            JsonPath job = job(key, id);
            String now = job.getString("status");
            if (now.equals(status)) {
                return job;
            }
            if (List.of("succeeded", "failed", "cancelled").contains(now)) {
                throw new AssertionError("Job " + id + " ended " + now + ": " + job.prettify());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Job " + id + " still " + now + " after " + wait);
            }
            Thread.sleep(100);
        }
    }

    /**
     * The {@code data:} payloads of a server-sent-events body, in order; as the SSE format says,
     * one space after the colon is not part of the payload.
     */
    public static List<String> sseData(String body) {
        List<String> data = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data:")) {
                String payload = line.substring("data:".length());
                data.add(payload.startsWith(" ") ? payload.substring(1) : payload);
            }
        }
        if (data.isEmpty()) {
            throw new AssertionError("No data in the stream:\n" + body);
        }
        return data;
    }

    /** A JSON document, or the test fails naming it. */
    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }

    /** The entries of a zip archive, by name. */
    static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    /** The tensor names and shapes in a safetensors file's header. */
    static JsonNode safetensorsHeader(byte[] file) {
        long length = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = parse(new String(file, 8, (int) length, StandardCharsets.UTF_8));
        assertThat(header.size()).isPositive();
        return header;
    }
}
