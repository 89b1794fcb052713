package dev.anneal.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingEngineTest {

    private static final String TENANT = "tenant-a";
    private static final List<String> PROMPTS =
            List.of(
                    "Once upon a time",
                    "Lily and Tom went to the park. They saw a big dog and",
                    "The sun");

    @TempDir static Path dirs;

    private static TestModels.MemoryStore store;
    private static ServingEngine engine;
    private static TextTokenizer tokenizer;
    private static Path adapterA;
    private static Path adapterB;
    private static Path adapterD;
    private static Path adapterE;

    @BeforeAll
    static void start() throws Exception {
        store = new TestModels.MemoryStore();
        adapterA = TestModels.saveRandomAdapter(21, dirs.resolve("a"));
        adapterB = TestModels.saveRandomAdapter(22, dirs.resolve("b"));
        store.archives.put(TENANT + "/ft-a", TestModels.archive(adapterA));
        store.archives.put(TENANT + "/ft-b", TestModels.archive(adapterB));
        store.archives.put(TENANT + "/ft-c", TestModels.archive(adapterA));
        adapterD = TestModels.saveRandomAdapter(23, dirs.resolve("d"));
        adapterE = TestModels.saveRandomAdapter(24, dirs.resolve("e"));
        store.archives.put(TENANT + "/ft-d", TestModels.archive(adapterD));
        store.archives.put(TENANT + "/ft-e", TestModels.archive(adapterE));
        engine = new ServingEngine(store, new ServingConfig(2, 4096, 16, 4, 0));
        tokenizer = TextTokenizer.load(TestModels.STORIES_260K);
    }

    @AfterAll
    static void stop() {
        engine.close();
        tokenizer.close();
    }

    private static GenerationConfig greedy(int tokens) {
        return GenerationConfig.builder()
                .optMaxNewTokens(tokens)
                .optEosTokenIds(java.util.Set.of(2L))
                .build();
    }

    private static GenerationResult alone(Path adapter, String prompt, GenerationConfig config)
            throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaForCausalLM model =
                    adapter == null
                            ? HfModelLoader.load(TestModels.STORIES_260K, manager)
                            : PeftAdapter.loadModel(TestModels.STORIES_260K, adapter, manager);
            return new Generator(model, tokenizer).generate(tokenizer.encode(prompt), config);
        }
    }

    private static TestModels.Collector submit(String model, String prompt, GenerationConfig c)
            throws Exception {
        TestModels.Collector collector = new TestModels.Collector();
        engine.open(TENANT, model).submit(tokenizer.encode(prompt), c, null, collector);
        return collector;
    }

    @Test
    void shouldGenerateAsGeneratorAloneWhenRunningThroughSchedulerWithAndWithoutAdapter()
            throws Exception {
        for (String prompt : PROMPTS) {
            for (String model : List.of(TestModels.BASE, "ft-a")) {
                GenerationResult expected =
                        alone(model.equals("ft-a") ? adapterA : null, prompt, greedy(40));

                TestModels.Collector served = submit(model, prompt, greedy(40));
                GenerationResult result = served.done.get(60, TimeUnit.SECONDS);

                assertThat(result.generatedIds()).containsExactly(expected.generatedIds());
                assertThat(result.text()).isEqualTo(expected.text());
                assertThat(served.text.toString()).isEqualTo(expected.text());
            }
        }
    }

    @Test
    void shouldGenerateAsGeneratorAloneWhenBusyBatchMixesBaseAndFourAdapters() throws Exception {
        Map<String, Path> adapters = new LinkedHashMap<>();
        adapters.put(TestModels.BASE, null);
        adapters.put("ft-a", adapterA);
        adapters.put("ft-b", adapterB);
        adapters.put("ft-d", adapterD);
        adapters.put("ft-e", adapterE);
        List<String> models = List.copyOf(adapters.keySet());
        int requests = 32;
        List<GenerationResult> expected = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String prompt = PROMPTS.get(i % PROMPTS.size());
            expected.add(
                    alone(adapters.get(models.get(i % models.size())), prompt, greedy(20 + i)));
        }
        // room for all 32 at once, so that they decode in one batch
        try (ServingEngine busy = new ServingEngine(store, new ServingConfig(5, 8192, 64, 4, 0))) {
            List<TestModels.Collector> served = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                TestModels.Collector collector = new TestModels.Collector();
                busy.open(TENANT, models.get(i % models.size()))
                        .submit(
                                tokenizer.encode(PROMPTS.get(i % PROMPTS.size())),
                                greedy(20 + i),
                                null,
                                collector);
                served.add(collector);
            }
            for (int i = 0; i < requests; i++) {
                GenerationResult result = served.get(i).done.get(120, TimeUnit.SECONDS);
                assertThat(result.generatedIds())
                        .as("request %d on %s", i, models.get(i % models.size()))
                        .containsExactly(expected.get(i).generatedIds());
                assertThat(served.get(i).text.toString()).isEqualTo(expected.get(i).text());
            }
        }
    }

    @Test
    void shouldHoldBackAndDropStopStringWhenStreaming() throws Exception {
        GenerationResult full = alone(null, "Once upon a time", greedy(40));
        String stop = full.text().substring(10, 14);
        GenerationConfig withStop = greedy(40).toBuilder().optStopSequences(List.of(stop)).build();

        TestModels.Collector served = submit(TestModels.BASE, "Once upon a time", withStop);
        GenerationResult result = served.done.get(60, TimeUnit.SECONDS);

        assertThat(result.finishReason()).isEqualTo(GenerationResult.FinishReason.STOP_SEQUENCE);
        assertThat(served.text.toString())
                .isEqualTo(result.text())
                .isEqualTo(full.text().substring(0, full.text().indexOf(stop)))
                .doesNotContain(stop);
    }

    @Test
    void shouldEvictLeastRecentlyUsedAdapterWhenCacheIsFull() throws Exception {
        submit("ft-a", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);
        submit("ft-b", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);
        submit("ft-a", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);
        long evictionsBefore = engine.adapterStats().evictions();
        int openedBefore = store.opened.get();

        submit("ft-c", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);
        submit("ft-a", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);

        assertThat(engine.adapterStats().evictions()).isEqualTo(evictionsBefore + 1);
        assertThat(store.opened.get())
                .as("ft-a stayed, ft-b was evicted")
                .isEqualTo(openedBefore + 1);
        assertThat(engine.adapterStats().resident()).isEqualTo(2);
    }

    @Test
    void shouldRefuseWhenModelBelongsToAnotherTenant() {
        assertThatThrownBy(() -> engine.open("tenant-b", "ft-a"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("ft-a");
    }

    @Test
    void shouldLoadAnAdapterSingleThreadedAndLeaveTheRequestThreadsThreadsAsTheyWere()
            throws Exception {
        // a request thread that loaded with several would own an OpenMP team for good (ADR 0051)
        store.archives.put(TENANT + "/ft-threads", TestModels.archive(adapterE));
        int opened = store.intraOpThreadsWhileOpening.size();

        int after =
                CompletableFuture.supplyAsync(
                                () -> {
                                    DjlRuntime.useIntraOpThreads(2);
                                    try {
                                        submit("ft-threads", "The sun", greedy(2))
                                                .done
                                                .get(60, TimeUnit.SECONDS);
                                    } catch (Exception e) {
                                        throw new IllegalStateException(e);
                                    }
                                    return JniUtils.getNumThreads();
                                },
                                request -> new Thread(request, "request").start())
                        .get(90, TimeUnit.SECONDS);

        List<Integer> whileOpening = store.intraOpThreadsWhileOpening;
        assertThat(whileOpening.subList(opened, whileOpening.size())).containsExactly(1);
        assertThat(after).isEqualTo(2);
    }
}
