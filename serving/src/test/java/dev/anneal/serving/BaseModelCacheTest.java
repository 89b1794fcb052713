package dev.anneal.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.serving.scheduler.Completion;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.model.LlamaConfig;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Base models within {@code ANNEAL_SERVE_MODEL_MEMORY}: evicted when idle, never when busy. */
class BaseModelCacheTest {

    private static final String TENANT = "tenant-a";

    /** Two base models, "a" and "b", both stories260K. */
    private static final ModelStore TWO_BASES =
            new ModelStore() {
                @Override
                public Optional<ModelRef> resolve(String tenantId, String modelId) {
                    return modelId.equals("a") || modelId.equals("b")
                            ? Optional.of(new ModelRef.Base(modelId))
                            : Optional.empty();
                }

                @Override
                public Path baseModelFolder(String baseModelId) {
                    return TestModels.STORIES_260K;
                }

                @Override
                public InputStream openArchive(ModelRef model) {
                    throw new UnsupportedOperationException();
                }
            };

    /**
     * Room for one stories260K and a half; a KV budget of one long sequence at a time, so that
     * queued ones keep a model busy for as long as a test needs.
     */
    private static ServingConfig roomForOne() throws Exception {
        long one = BaseModelCache.weightBytes(LlamaConfig.load(TestModels.STORIES_260K));
        return new ServingConfig(
                2, new KvCacheBudget.Tokens(4096), 16, 64, 0, 2, (one * 3 / 2) + "B");
    }

    private static Completion generate(ServingEngine engine, String model, int tokens)
            throws Exception {
        ServedModel served = engine.open(TENANT, model);
        TestModels.Collector collector = new TestModels.Collector();
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(tokens).build();
        Completion completion =
                served.submit(
                        served.tokenizer().encode("Once upon a time"), config, null, collector);
        if (tokens < 100) {
            collector.done.get(60, TimeUnit.SECONDS);
        }
        return completion;
    }

    @Test
    void shouldEvictIdleBaseModelWhenAnotherDoesNotFitTheBudget() throws Exception {
        try (ServingEngine engine = new ServingEngine(TWO_BASES, roomForOne())) {
            generate(engine, "a", 4);
            generate(engine, "b", 4);

            assertThat(engine.schedulerStats()).containsOnlyKeys("b");

            generate(engine, "a", 4);
            assertThat(engine.schedulerStats()).containsOnlyKeys("a");
        }
    }

    @Test
    void shouldRefuseAsOverloadedWhenTheModelInTheWayIsBusy() throws Exception {
        try (ServingEngine engine = new ServingEngine(TWO_BASES, roomForOne())) {
            // eight long sequences, one running at a time: busy for seconds whatever the machine
            List<Completion> busy = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                busy.add(generate(engine, "a", 400));
            }

            assertThatThrownBy(() -> engine.open(TENANT, "b"))
                    .isInstanceOf(ServingOverloadedException.class)
                    .hasMessageContaining("ANNEAL_SERVE_MODEL_MEMORY");

            busy.forEach(Completion::cancel);
            generate(engine, "b", 4);
            assertThat(engine.schedulerStats()).containsOnlyKeys("b");
        }
    }

    @Test
    void shouldNeverEvictPreloadedModelWhenAnotherAsks() throws Exception {
        try (ServingEngine engine = new ServingEngine(TWO_BASES, roomForOne())) {
            engine.preload("a");

            assertThatThrownBy(() -> engine.open(TENANT, "b"))
                    .isInstanceOf(ServingOverloadedException.class);
            assertThat(engine.schedulerStats()).containsOnlyKeys("a");
        }
    }
}
