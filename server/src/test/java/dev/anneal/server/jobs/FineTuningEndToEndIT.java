package dev.anneal.server.jobs;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.jobs.JobTestSupport.awaitStatus;
import static dev.anneal.server.jobs.JobTestSupport.createJob;
import static dev.anneal.server.jobs.JobTestSupport.parse;
import static dev.anneal.server.jobs.JobTestSupport.safetensorsHeader;
import static dev.anneal.server.jobs.JobTestSupport.sseData;
import static dev.anneal.server.jobs.JobTestSupport.unzip;
import static dev.anneal.server.jobs.JobTestSupport.uploadStoryChats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.events.JobEventRecord;
import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.tuner.export.PeftAdapter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.enterprise.inject.spi.CDI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The platform's main job through the HTTP API only: upload chat data, fine-tune, follow the live
 * events to the end, download the result and check its layout.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class FineTuningEndToEndIT {

    @Test
    void shouldStreamEventsAndYieldAPeftAdapterWhenALoraJobRunsOnStories260K() throws Exception {
        String key = TestApi.newTenantKey();
        String model = JobTestSupport.registerStories260K();
        String file = uploadStoryChats(key, 16);

        String jobId =
                createJob(
                        key,
                        Map.of(
                                "model",
                                model,
                                "training_file",
                                file,
                                "suffix",
                                "tiny",
                                "seed",
                                7,
                                "method",
                                Map.of(
                                        "type",
                                        "supervised",
                                        "supervised",
                                        Map.of(
                                                "hyperparameters",
                                                Map.of(
                                                        "n_epochs", 5,
                                                        "batch_size", 4))),
                                "learning_rate",
                                0.01,
                                "checkpoint_interval",
                                5,
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

        // the live stream, from the first event to [DONE]
        String stream =
                as(key).get("/v1/fine_tuning/jobs/" + jobId + "/events?stream=true")
                        .then()
                        .statusCode(200)
                        .contentType("text/event-stream")
                        .extract()
                        .asString();
        List<String> data = sseData(stream);
        assertThat(data).last().isEqualTo("[DONE]");
        List<JsonNode> events =
                data.subList(0, data.size() - 1).stream().map(JobTestSupport::parse).toList();
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).get("seq").asInt())
                    .as("no gap, no duplicate")
                    .isEqualTo(i + 1);
        }
        List<Double> losses = new ArrayList<>();
        for (JsonNode event : events) {
            if (event.get("type").asText().equals("metrics")
                    && event.get("data").has("train_loss")) {
                losses.add(event.get("data").get("train_loss").asDouble());
            }
        }
        assertThat(losses).hasSize(20);
        assertThat(losses.get(losses.size() - 1)).isLessThan(losses.get(0) * 0.8);
        assertThat(events.stream().map(e -> e.get("message").asText()))
                .anyMatch(m -> m.startsWith("Training started: 16 examples"))
                .anyMatch(m -> m.equals("Checkpoint created at step 5"))
                .last()
                .isEqualTo("The job has successfully completed");

        JsonPath job = JobTestSupport.job(key, jobId);
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("fine_tuned_model")).isEqualTo("ft:" + model + ":tiny:" + jobId);
        assertThat(job.getLong("trained_tokens")).isPositive();
        assertThat(job.getLong("finished_at")).isPositive();
        assertThat(job.getString("training_type")).isEqualTo("lora");
        assertThat(job.getInt("hyperparameters.n_epochs")).isEqualTo(5);

        // where the worker's time went, phase by phase, loading the model apart from the data
        String metrics = TestApi.management().get("/q/metrics").then().extract().asString();
        for (String phase :
                List.of(
                        "claim",
                        "decrypt",
                        "load_model",
                        "tokenize",
                        "first_step",
                        "steps",
                        "store_model",
                        "finish")) {
            assertThat(metrics)
                    .as("phase %s", phase)
                    .containsPattern(
                            "anneal_tuner_job_phase_seconds_count\\{[^}]*phase=\""
                                    + phase
                                    + "\"[^}]*\\} [1-9]");
        }

        // the metrics file
        List<String> resultFiles = job.getList("result_files");
        assertThat(resultFiles).hasSize(1);
        String csv =
                as(key).get("/v1/files/" + resultFiles.get(0) + "/content")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString();
        assertThat(csv).startsWith("step,train_loss,");
        assertThat(csv.lines()).hasSize(21);

        // the checkpoints: every 5 steps and at the end (step 20), the newest 3 kept
        JsonPath checkpoints =
                as(key).get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(checkpoints.getList("data.step_number", Integer.class))
                .containsExactly(20, 15, 10);
        String dropped =
                events.stream()
                        .filter(
                                e ->
                                        e.get("message")
                                                .asText()
                                                .equals("Checkpoint created at step 5"))
                        .findFirst()
                        .orElseThrow()
                        .get("data")
                        .get("checkpoint_id")
                        .asText();
        as(key).get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints/" + dropped + "/content")
                .then()
                .statusCode(404);
        String checkpointId = checkpoints.getString("data[0].id");
        Map<String, byte[]> checkpoint =
                unzip(
                        as(key).get(
                                        "/v1/fine_tuning/jobs/"
                                                + jobId
                                                + "/checkpoints/"
                                                + checkpointId
                                                + "/content")
                                .then()
                                .statusCode(200)
                                .contentType("application/zip")
                                .extract()
                                .asByteArray());
        assertThat(checkpoint.keySet()).contains("checkpoint-20/trainable.safetensors");

        // the adapter, in PEFT's layout, naming its base model by id
        Map<String, byte[]> adapter =
                unzip(
                        as(key).get("/v1/fine_tuning/jobs/" + jobId + "/content")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asByteArray());
        assertThat(adapter.keySet())
                .contains("adapter/adapter_config.json", "adapter/adapter_model.safetensors");
        JsonNode config =
                parse(
                        new String(
                                adapter.get("adapter/adapter_config.json"),
                                StandardCharsets.UTF_8));
        assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(config.get("r").asInt()).isEqualTo(4);
        assertThat(config.get("lora_alpha").asDouble()).isEqualTo(8.0);
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo(model);
        List<String> targets = new ArrayList<>();
        config.get("target_modules").forEach(t -> targets.add(t.asText()));
        assertThat(targets).containsExactlyInAnyOrder("q_proj", "v_proj");
        JsonNode tensors = safetensorsHeader(adapter.get("adapter/adapter_model.safetensors"));
        JsonNode loraA =
                tensors.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        assertThat(loraA).isNotNull();
        assertThat(loraA.get("shape").get(0).asInt()).isEqualTo(4);
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = tensors.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        assertThat(names).allMatch(n -> n.equals("__metadata__") || n.contains(".lora_"));

        // the archive loads into the engine as it is
        Path unpacked = Files.createTempDirectory("adapter-");
        for (Map.Entry<String, byte[]> entry : adapter.entrySet()) {
            Path target = unpacked.resolve(entry.getKey());
            Files.createDirectories(target.getParent());
            Files.write(target, entry.getValue());
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            PeftAdapter loaded = PeftAdapter.load(unpacked.resolve("adapter"), manager);
            assertThat(loaded.config().r()).isEqualTo(4);
        }

        // every stored event was published to Kafka, keyed by the job, in order
        assertThat(publishedSeqs(jobId))
                .isEqualTo(events.stream().map(e -> e.get("seq").asInt()).toList());

        // the model is listed for its tenant only
        assertThat(
                        as(key).get("/v1/models")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getList("data.id", String.class))
                .contains("anneal-nano", model, "ft:" + model + ":tiny:" + jobId);
        assertThat(
                        as(TestApi.newTenantKey())
                                .get("/v1/models")
                                .then()
                                .extract()
                                .jsonPath()
                                .getList("data.id", String.class))
                .doesNotContain("ft:" + model + ":tiny:" + jobId);
    }

    @Test
    void shouldWidenTheRewardMarginWhenDpoRunsOnTopOfAnSftModel() throws Exception {
        String key = TestApi.newTenantKey();
        String base = JobTestSupport.registerStories260K();
        // first SFT (LoRA), then DPO continuing from the fine-tuned model
        String sft =
                createJob(
                        key,
                        Map.of(
                                "model",
                                base,
                                "training_file",
                                uploadStoryChats(key, 8),
                                "suffix",
                                "sft",
                                "hyperparameters",
                                Map.of("n_epochs", 1)));
        String model =
                awaitStatus(key, sft, "succeeded", Duration.ofMinutes(2))
                        .getString("fine_tuned_model");
        String pairs =
                TestApi.upload(
                                key,
                                "pairs.jsonl",
                                Files.readAllBytes(
                                        Path.of(
                                                "..",
                                                "tuner",
                                                "engine",
                                                "recipes",
                                                "data",
                                                "tiny_preference_train.jsonl")))
                        .then()
                        .statusCode(200)
                        .extract()
                        .<String>path("id");
        String jobId =
                createJob(
                        key,
                        Map.of(
                                "model",
                                model,
                                "training_file",
                                pairs,
                                "learning_rate",
                                0.003,
                                "method",
                                Map.of(
                                        "type",
                                        "dpo",
                                        "dpo",
                                        Map.of(
                                                "hyperparameters",
                                                Map.of(
                                                        "beta", 0.1,
                                                        "n_epochs", 2,
                                                        "batch_size", 4)))));
        JsonPath job = awaitStatus(key, jobId, "succeeded", Duration.ofMinutes(2));
        assertThat(job.getString("method.type")).isEqualTo("dpo");
        assertThat(job.getString("fine_tuned_model")).isEqualTo("ft:" + base + "::" + jobId);
        assertThat(
                        as(key).get("/v1/models/" + job.getString("fine_tuned_model"))
                                .then()
                                .statusCode(200)
                                .extract()
                                .<String>path("parent"))
                .isEqualTo(model);
        assertThat(job.getDouble("hyperparameters.beta")).isEqualTo(0.1);

        List<Map<String, Object>> metrics =
                as(key).get("/v1/fine_tuning/jobs/" + jobId + "/events?limit=100")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("data.findAll { it.type == 'metrics' }.data");
        // newest first: the last step's margin against the first step's (zero: policy = reference)
        double last = ((Number) metrics.get(0).get("rewards/margins")).doubleValue();
        double first =
                ((Number) metrics.get(metrics.size() - 1).get("rewards/margins")).doubleValue();
        assertThat(first).isCloseTo(0.0, within(1e-4));
        assertThat(last).isGreaterThan(0.5);
        assertThat(((Number) metrics.get(0).get("rewards/accuracies")).doubleValue())
                .isGreaterThanOrEqualTo(0.75);
    }

    /** The {@code seq} of the job's records on the job-events topic, in partition order. */
    private static List<Integer> publishedSeqs(String jobId) {
        Map<String, Object> config =
                CDI.current().select(KafkaSettings.class).get().consumer("e2e-" + jobId);
        config.put("auto.offset.reset", "earliest");
        config.put("group.id", "e2e-" + jobId);
        List<Integer> seqs = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(
                        config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.JOB_EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int idlePolls = 0;
            while (System.nanoTime() < deadline && idlePolls < 3) {
                var records = consumer.poll(Duration.ofSeconds(1));
                idlePolls = records.isEmpty() && !seqs.isEmpty() ? idlePolls + 1 : 0;
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (jobId.equals(record.key())) {
                        JobEventRecord event = JobEventRecord.fromJson(record.value());
                        assertThat(event.jobId()).isEqualTo(jobId);
                        seqs.add(event.seq());
                    }
                }
            }
        }
        return seqs;
    }

    @Test
    void shouldYieldHuggingFaceWeightsWhenTheBuiltInToyIsFullyFineTuned() throws Exception {
        String key = TestApi.newTenantKey();
        String file = uploadStoryChats(key, 8);
        String jobId =
                JobTestSupport.createNanoJob(
                        key,
                        file,
                        Map.of(
                                "training_type",
                                "full",
                                "learning_rate",
                                0.003,
                                "hyperparameters",
                                Map.of("n_epochs", 2, "batch_size", 2)));
        JsonPath job = awaitStatus(key, jobId, "succeeded", Duration.ofMinutes(2));
        assertThat(job.getString("fine_tuned_model")).isEqualTo("ft:anneal-nano::" + jobId);

        Map<String, byte[]> model =
                unzip(
                        as(key).get("/v1/models/" + job.getString("fine_tuned_model") + "/content")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asByteArray());
        assertThat(model.keySet())
                .contains(
                        "model/config.json",
                        "model/model.safetensors",
                        "model/tokenizer.json",
                        "model/generation_config.json");
        JsonNode tensors = safetensorsHeader(model.get("model/model.safetensors"));
        assertThat(tensors.has("model.layers.0.self_attn.q_proj.weight")).isTrue();

        // deleting the model removes it from the list and its download
        as(key).delete("/v1/models/" + job.getString("fine_tuned_model")).then().statusCode(200);
        as(key).get("/v1/models/" + job.getString("fine_tuned_model") + "/content")
                .then()
                .statusCode(404);
    }
}
