package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import dev.anneal.serving.ServingEngine;
import dev.anneal.serving.scheduler.SchedulerStats;
import dev.anneal.store.Ids;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.blob.PendingBlob;
import dev.anneal.store.job.JobLease;
import dev.anneal.store.job.JobQueue;
import dev.anneal.store.job.JobRepository;
import dev.anneal.store.job.TrainingType;
import dev.anneal.store.tenant.CurrentTenant;
import dev.anneal.store.tenant.TenantKeyRing;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.serve.RandomAdapters;
import dev.anneal.tuner.worker.ZipArchive;
import io.quarkus.arc.Arc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What the serving tests share beyond {@link JobTestSupport}: base models built from stories260K in
 * a folder of their own, and LoRA models of a tenant stored without training.
 */
final class ServingTestSupport {

    /**
     * The context, in tokens, of {@link #endlessStories}: long enough that one sequence filling it
     * runs for several seconds on stories260K (about 2 ms a token on 2 cores, and slower as it
     * grows).
     */
    static final int ENDLESS_CONTEXT = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MODEL_FILES =
            List.of(
                    "config.json",
                    "generation_config.json",
                    "model.safetensors",
                    "tokenizer.json",
                    "tokenizer_config.json");

    private static final LoraConfig LORA =
            LoraConfig.rank(4).withAlpha(8).withTargetModules("q_proj", "v_proj");

    private ServingTestSupport() {}

    /** Registers the base model in {@code folder} under a fresh id; returns the id. */
    static String registerBaseModel(String prefix, Path folder) {
        String id = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        asAdmin()
                .contentType("application/json")
                .body(Map.of("id", id, "path", folder.toString()))
                .post("/v1/admin/models")
                .then()
                .statusCode(201);
        return id;
    }

    /** Copies stories260K's files into {@code folder}, which must not hold them yet. */
    static Path copyStories260K(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (String file : MODEL_FILES) {
            Files.copy(JobTestSupport.STORIES_260K.resolve(file), folder.resolve(file));
        }
        return folder;
    }

    /**
     * stories260K without an end: no EOS token and a context of {@link #ENDLESS_CONTEXT} tokens
     * (rotary positions need no table of their own), so that a completion asking for the whole
     * context runs until it is cancelled or has written thousands of tokens.
     */
    static Path endlessStories(Path folder) throws IOException {
        copyStories260K(folder);
        editJson(
                folder.resolve("config.json"),
                config -> {
                    config.put("max_position_embeddings", ENDLESS_CONTEXT);
                    config.remove("eos_token_id");
                });
        editJson(folder.resolve("generation_config.json"), config -> config.remove("eos_token_id"));
        return folder;
    }

    /** Rewrites a JSON object file in place. */
    static void editJson(Path file, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(json);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    }

    /** A chat request of one user message, greedy. */
    static Map<String, Object> greedyChat(
            String model, String prompt, int maxTokens, boolean stream) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("messages", List.of(Map.of("role", "user", "content", prompt)));
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("stream", stream);
        return body;
    }

    /**
     * Polls a model's scheduler until {@code condition} holds; fails with the last snapshot after
     * {@code within}.
     */
    static SchedulerStats awaitScheduler(
            ServingEngine engine,
            String model,
            Predicate<SchedulerStats> condition,
            Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        SchedulerStats stats = engine.schedulerStats().get(model);
        while (stats == null || !condition.test(stats)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "The scheduler of " + model + " still at " + stats + " after " + within);
            }
            Thread.sleep(10);
            stats = engine.schedulerStats().get(model);
        }
        return stats;
    }

    /**
     * Gives a tenant {@code count} LoRA models of {@code baseModel}, each a random rank-4 adapter
     * on q and v: stored as a finished LoRA job stores its model (the archive encrypted with the
     * tenant's key in its blob, the job succeeded with the model's row), in a fraction of a second
     * instead of a training run each.
     *
     * <p>The test's application must run no {@code tuner} role: each job is claimed here, and a
     * worker would race for it.
     *
     * @param key the tenant's API key, to create the jobs with
     * @param tenantId the tenant
     * @param baseModel a registered base model, stories260K's architecture
     * @param scratch a folder for the adapters' files
     * @return the models' ids, in order
     */
    static List<String> storeRandomLoras(
            String key, String tenantId, String baseModel, int count, Path scratch)
            throws IOException {
        List<Path> adapters = saveRandomAdapters(count, baseModel, scratch);
        String trainingFile = TestApi.uploadChat(key);
        List<String> models = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String job =
                    JobTestSupport.createJob(
                            key,
                            Map.of(
                                    "model",
                                    baseModel,
                                    "training_file",
                                    trainingFile,
                                    "suffix",
                                    "random-" + i,
                                    "lora",
                                    Map.of(
                                            "r",
                                            LORA.r(),
                                            "alpha",
                                            LORA.alpha(),
                                            "target_modules",
                                            LORA.targetModules())));
            models.add(finishWithAdapter(tenantId, job, baseModel, adapters.get(i)));
        }
        return models;
    }

    /** Claims the queued job and succeeds it with the adapter as its model, as the worker would. */
    private static String finishWithAdapter(
            String tenantId, String jobId, String baseModel, Path adapter) {
        JobQueue queue = Arc.container().instance(JobQueue.class).get();
        BlobStore blobs = Arc.container().instance(BlobStore.class).get();
        TenantKeyRing keys = Arc.container().instance(TenantKeyRing.class).get();
        JobRepository jobs = Arc.container().instance(JobRepository.class).get();
        return UnitOfWork.call(
                () -> {
                    Arc.container().instance(CurrentTenant.class).get().set(tenantId);
                    JobLease lease =
                            queue.claim("serving-test", Duration.ofMinutes(5), Integer.MAX_VALUE, 1)
                                    .orElseThrow();
                    assertThat(lease.jobId()).as("the job claimed").isEqualTo(jobId);
                    String model = jobs.get(jobId).outputModelName();
                    String blobName = Ids.newId("ftmodel");
                    long bytes;
                    try (PendingBlob blob =
                            blobs.create(
                                    new BlobKey(tenantId, blobName), keys.dataKeyOf(tenantId))) {
                        ZipArchive.write(adapter, "adapter", blob.output());
                        blob.output().close();
                        bytes = blob.bytesWritten();
                        blob.commit();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    boolean succeeded =
                            queue.succeed(
                                    lease,
                                    new JobQueue.FineTunedModelRow(
                                            model, baseModel, TrainingType.LORA, blobName, bytes),
                                    0,
                                    List.of());
                    assertThat(succeeded).as("the job's lease was held").isTrue();
                    return model;
                });
    }

    /**
     * Saves {@code count} adapters in PEFT's layout, A and B drawn from N(0, 0.5²) with seeds 1 to
     * {@code count}: B not zero, so that each changes the base model's answers its own way.
     */
    private static List<Path> saveRandomAdapters(int count, String baseModel, Path scratch)
            throws IOException {
        List<Path> folders = new ArrayList<>();
        for (int seed = 1; seed <= count; seed++) {
            folders.add(
                    RandomAdapters.save(
                            JobTestSupport.STORIES_260K,
                            LORA,
                            seed,
                            0.5,
                            baseModel,
                            scratch.resolve("adapter-" + seed)));
        }
        return folders;
    }
}
