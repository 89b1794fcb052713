package dev.anneal.tuner.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.CheckpointException;
import dev.anneal.tuner.export.MergedWeights;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.KvCache;
import dev.anneal.tuner.model.KvSlots;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultiAdapterModelTest {

    /** Rank 4 on attention queries/values and the MLP's down projection. */
    private static final LoraConfig FIRST =
            LoraConfig.rank(4).withAlpha(8).withTargetModules("q_proj", "v_proj", "down_proj");

    /** Rank 2 on other modules entirely, with a different alpha. */
    private static final LoraConfig SECOND =
            LoraConfig.rank(2)
                    .withAlpha(3)
                    .withTargetModules("k_proj", "o_proj", "gate_proj", "up_proj");

    /**
     * Rank 4 on a module the first also targets (one batched product for both) and on one the
     * second targets at rank 2 (ranks differ: a product per adapter).
     */
    private static final LoraConfig THIRD =
            LoraConfig.rank(4).withAlpha(16).withTargetModules("q_proj", "o_proj");

    private static final long[] PROMPT = {1, 403, 407, 261, 378, 13};

    /**
     * How far a row's logits decoded in a batch may be from the same row decoded alone: the batch
     * sums in another order, and how far that moves a logit (about 8 in size here) depends on the
     * CPU's kernels: up to 5e-5 on an AMD EPYC, 1.2e-4 on an Intel Xeon. Another row's or another
     * adapter's logits are further apart by orders of magnitude.
     */
    private static final float BATCHED_LOGITS = 5e-4f;

    private static final GenerationConfig GREEDY =
            GenerationConfig.builder().optMaxNewTokens(24).build();

    @TempDir static Path dirs;

    private static NDManager manager;
    private static Path first;
    private static Path second;
    private static MultiAdapterModel server;

    @BeforeAll
    static void saveAdaptersAndLoadServer() throws Exception {
        manager = NDManager.newBaseManager();
        first = saveRandomAdapter(FIRST, 11, "stories260K", dirs.resolve("first"));
        second = saveRandomAdapter(SECOND, 12, Stories260K.DIR.toString(), dirs.resolve("second"));
        server = MultiAdapterModel.load(Stories260K.DIR, manager);
        server.register("first", first);
        server.register("second", second);
        server.register(
                "third",
                saveRandomAdapter(THIRD, 13, Stories260K.DIR.toString(), dirs.resolve("third")));
    }

    /** An adapter of stories260K with non-zero random A and B, so that it changes the logits. */
    private static Path saveRandomAdapter(LoraConfig config, long seed, String base, Path dir)
            throws Exception {
        return RandomAdapters.save(Stories260K.DIR, config, seed, 0.2, base, dir);
    }

    @AfterAll
    static void close() {
        server.close();
        manager.close();
    }

    private static float[] logits(CausalLm model) {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray ids = step.create(PROMPT, new Shape(1, PROMPT.length));
            return model.logits(ids, null).toFloatArray();
        }
    }

    private static long[] generate(CausalLm model) {
        return new Generator(model, Stories260K.tokenizer())
                .generate("Once upon a time", GREEDY)
                .generatedIds();
    }

    private static float[] singleAdapterLogits(Path adapterDir) throws Exception {
        try (NDManager own = NDManager.newBaseManager()) {
            return logits(PeftAdapter.loadModel(Stories260K.DIR, adapterDir, own));
        }
    }

    private static long[] singleAdapterIds(Path adapterDir) throws Exception {
        try (NDManager own = NDManager.newBaseManager()) {
            return generate(PeftAdapter.loadModel(Stories260K.DIR, adapterDir, own));
        }
    }

    private static float[] logitsOf(String id) {
        try (AdapterView view = server.forAdapter(id)) {
            return logits(view);
        }
    }

    private static long[] idsOf(String id) {
        try (AdapterView view = server.forAdapter(id)) {
            return generate(view);
        }
    }

    @Test
    void shouldGiveSingleAdapterLogitsWhenServingAdaptersOfDifferentRanksAndTargets()
            throws Exception {
        float[] viaFirst = logitsOf("first");
        float[] viaSecond = logitsOf("second");

        assertThat(viaFirst).containsExactly(singleAdapterLogits(first), within(1e-5f));
        assertThat(viaSecond).containsExactly(singleAdapterLogits(second), within(1e-5f));
        assertThat(logits(server.base()))
                .containsExactly(logits(Stories260K.model()), within(1e-5f));
        assertThat(viaFirst).isNotEqualTo(viaSecond);
        assertThat(viaFirst).isNotEqualTo(logits(server.base()));
    }

    @Test
    void shouldGiveEachRowItsOwnLogitsWhenOneStepDecodesRowsOfMixedAdaptersAndLengths() {
        String[] adapters = {null, "first", "second", "first", null, "third", "second"};
        List<AdapterView> views = new ArrayList<>();
        try (NDManager caches = NDManager.newBaseManager()) {
            Rows rows = prefill(adapters, views, caches, row -> null);
            decodeTogetherAsAlone(views, rows.tokens(), rows.batched(), rows.alone(), caches);
        } finally {
            views.forEach(AdapterView::close);
        }
    }

    @Test
    void shouldGiveEachRowItsOwnLogitsWhenRowsShareSlotBuffersWithHolesAndBystanders() {
        String[] adapters = {null, "first", "second", "third", null, "second", "first", "third"};
        List<AdapterView> views = new ArrayList<>();
        LlamaConfig config = server.base().config();
        try (NDManager caches = NDManager.newBaseManager();
                KvSlots wide = new KvSlots(caches, config, 64);
                KvSlots narrow = new KvSlots(caches, config, 32)) {
            // a slot given back before the step leaves a hole; a sequence still in its prompt
            // holds a slot of the same buffers without decoding in this step
            KvCache hole = wide.acquire();
            KvCache bystander = wide.acquire();
            Generator.lastLogits(server.base(), bystander, PROMPT, caches);
            Rows rows =
                    prefill(
                            adapters,
                            views,
                            caches,
                            row -> row % 3 == 2 ? narrow.acquire() : wide.acquire());
            hole.close();
            decodeTogetherAsAlone(views, rows.tokens(), rows.batched(), rows.alone(), caches);
            rows.batched().forEach(KvCache::close);
            bystander.close();
            assertThat(wide.inUse()).isZero();
        } finally {
            views.forEach(AdapterView::close);
        }
    }

    /**
     * Each row's prefilled caches and first token.
     *
     * @param alone a cache of its own per row, for the reference decoding
     * @param batched the cache each row decodes from in the batched step
     */
    private record Rows(List<KvCache> alone, List<KvCache> batched, long[] tokens) {}

    /**
     * Opens each row's view (into {@code views}, for the caller to close) and feeds it a prompt of
     * a length of its own, so that rows sit at different positions, both into a cache of its own
     * and into its batched cache: {@code batchedCache} of the row, or a private one when it gives
     * none.
     */
    private static Rows prefill(
            String[] adapters,
            List<AdapterView> views,
            NDManager caches,
            IntFunction<KvCache> batchedCache) {
        List<KvCache> alone = new ArrayList<>();
        List<KvCache> batched = new ArrayList<>();
        long[] tokens = new long[adapters.length];
        for (int row = 0; row < adapters.length; row++) {
            AdapterView view =
                    adapters[row] == null ? server.base() : server.forAdapter(adapters[row]);
            views.add(view);
            long[] prompt = Arrays.copyOf(PROMPT, 2 + row % PROMPT.length);
            alone.add(view.newKvCache(caches, 1, 64));
            KvCache shared = batchedCache.apply(row);
            batched.add(shared != null ? shared : view.newKvCache(caches, 1, 64));
            float[] first = Generator.lastLogits(view, alone.get(row), prompt, caches);
            Generator.lastLogits(view, batched.get(row), prompt, caches);
            tokens[row] = argmax(first);
        }
        return new Rows(alone, batched, tokens);
    }

    @Test
    void shouldGiveLogitsOfAdapterOnMergedModelWhenStackingAdapters() throws Exception {
        Path merged = dirs.resolve("first-merged");
        MergedWeights.mergeAdapter(Stories260K.DIR, first, merged);
        float[] expected;
        try (NDManager own = NDManager.newBaseManager()) {
            expected = logits(PeftAdapter.loadModel(merged, second, own));
        }

        float[] stacked;
        try (AdapterView bottom = server.forAdapter("first");
                AdapterView top = server.forAdapter("second");
                AdapterView stack = AdapterView.stack(List.of(bottom, top))) {
            bottom.close();
            top.close();
            stacked = logits(stack);
            assertThat(stack.adapter()).map(ServedAdapter::id).contains("second");
        }

        assertThat(stacked).containsExactly(expected, within(1e-4f));
        assertThat(stacked).isNotEqualTo(logitsOf("second"));
    }

    /**
     * Runs 8 decoding steps of all rows together and checks each row's logits against the same step
     * alone, feeding each row its greedy token.
     */
    private static void decodeTogetherAsAlone(
            List<AdapterView> views,
            long[] tokens,
            List<KvCache> batched,
            List<KvCache> alone,
            NDManager caches) {
        for (int step = 0; step < 8; step++) {
            List<float[]> together;
            try (NDManager scratch = caches.newSubManager()) {
                together = AdapterView.decodeStep(views, tokens, batched, scratch);
            }
            for (int row = 0; row < views.size(); row++) {
                float[] expected =
                        Generator.lastLogits(
                                views.get(row), alone.get(row), new long[] {tokens[row]}, caches);
                assertThat(together.get(row)).containsExactly(expected, within(BATCHED_LOGITS));
                tokens[row] = argmax(expected);
            }
        }
    }

    private static long argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void shouldGenerateAsSingleAdapterModelWhenSwitchingBackAndForth() throws Exception {
        long[] expectedFirst = singleAdapterIds(first);
        long[] expectedSecond = singleAdapterIds(second);
        long[] expectedBase = generate(Stories260K.model());
        assertThat(expectedFirst).isNotEqualTo(expectedSecond);

        for (int round = 0; round < 2; round++) {
            assertThat(idsOf("first")).containsExactly(expectedFirst);
            assertThat(generate(server.base())).containsExactly(expectedBase);
            assertThat(idsOf("second")).containsExactly(expectedSecond);
            assertThat(idsOf("first")).containsExactly(expectedFirst);
        }
    }

    @Test
    void shouldGiveSequentialIdsWhenThreadsGenerateWithDifferentAdaptersConcurrently()
            throws Exception {
        List<String> ids = List.of("first", "second", "first", "second");
        Map<String, long[]> sequential = Map.of("first", idsOf("first"), "second", idsOf("second"));
        ExecutorService pool = Executors.newFixedThreadPool(ids.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<long[]>>> results = new ArrayList<>();
            for (String id : ids) {
                Callable<List<long[]>> request =
                        () -> {
                            start.await();
                            List<long[]> runs = new ArrayList<>();
                            for (int i = 0; i < 3; i++) {
                                runs.add(idsOf(id));
                            }
                            return runs;
                        };
                results.add(pool.submit(request));
            }
            start.countDown();
            for (int i = 0; i < ids.size(); i++) {
                for (long[] run : results.get(i).get(5, TimeUnit.MINUTES)) {
                    assertThat(run).containsExactly(sequential.get(ids.get(i)));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldNeverCopyOrReloadBaseWeightsWhenServingAdapters() throws Exception {
        LlamaForCausalLM base = server.baseModel();
        Map<String, Parameter> parameters = base.stateDict();
        Map<NDArray, String> arrays = new IdentityHashMap<>();
        parameters.forEach((name, parameter) -> arrays.put(parameter.getArray(), name));
        float[] qBefore =
                parameters.get("model.layers.0.self_attn.q_proj.weight").getArray().toFloatArray();

        assertThat(parameters.keySet()).isEqualTo(base.baseParameterShapes().keySet());
        server.register("copy-of-first", first);
        try (AdapterView view = server.forAdapter("copy-of-first")) {
            generate(view);
            assertThat(view.adapter()).map(ServedAdapter::id).contains("copy-of-first");
        } finally {
            server.remove("copy-of-first");
        }
        generate(server.base());

        assertThat(server.baseModel()).isSameAs(base);
        Map<String, Parameter> after = base.stateDict();
        assertThat(after.keySet()).isEqualTo(parameters.keySet());
        after.forEach(
                (name, parameter) ->
                        assertThat(arrays.get(parameter.getArray())).as(name).isEqualTo(name));
        assertThat(after.get("model.layers.0.self_attn.q_proj.weight").getArray().toFloatArray())
                .containsExactly(qBefore);
    }

    @Test
    void shouldKeepServingInFlightViewWhenAdapterIsRemovedAndAllowReRegistering() throws Exception {
        server.register("temporary", second);
        float[] expected = logitsOf("second");
        AdapterView inFlight = server.forAdapter("temporary");

        assertThat(server.remove("temporary")).isTrue();
        assertThat(server.remove("temporary")).isFalse();
        assertThat(server.adapterIds()).doesNotContain("temporary");
        assertThatThrownBy(() -> server.forAdapter("temporary"))
                .isInstanceOf(UnknownAdapterException.class)
                .hasMessageContaining("temporary");
        assertThat(logits(inFlight)).containsExactly(expected);
        inFlight.close();
        assertThatThrownBy(() -> logits(inFlight)).isInstanceOf(IllegalStateException.class);

        server.register("temporary", first);
        assertThat(logitsOf("temporary")).containsExactly(logitsOf("first"));
        server.remove("temporary");
    }

    @Test
    void shouldRejectDuplicateIdAndAdaptersThatDoNotFitBase() throws Exception {
        assertThatThrownBy(() -> server.register("first", second))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("first");

        Path otherBase =
                saveRandomAdapter(FIRST, 13, "meta-llama/Llama-2-7b-hf", dirs.resolve("o"));
        assertThatThrownBy(() -> server.register("other", otherBase))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("Llama-2-7b-hf");

        try (NDManager scratch = NDManager.newBaseManager()) {
            LoraConfig config = LoraConfig.rank(2).withAlpha(2).withTargetModules("q_proj");
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (int layer = 0; layer < 5; layer++) {
                String module = "model.layers." + layer + ".self_attn.q_proj";
                weights.put(module + ".lora_A.weight", scratch.zeros(new Shape(2, 64)));
                weights.put(module + ".lora_B.weight", scratch.zeros(new Shape(64, 2)));
            }
            String broken = "model.layers.3.self_attn.q_proj.lora_B.weight";
            Path wrongShape = dirs.resolve("shape");
            Map<String, NDArray> misshapen = new LinkedHashMap<>(weights);
            misshapen.put(broken, scratch.zeros(new Shape(32, 2)));
            new PeftAdapter(config, "stories260K", misshapen).save(wrongShape);
            assertThatThrownBy(() -> server.register("shape", wrongShape))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining(broken)
                    .hasMessageContaining("(64, 2)");

            Path extraModule = dirs.resolve("extra");
            Map<String, NDArray> extra = new LinkedHashMap<>(weights);
            extra.put(
                    "model.layers.9.self_attn.q_proj.lora_A.weight",
                    scratch.zeros(new Shape(2, 64)));
            new PeftAdapter(config, "stories260K", extra).save(extraModule);
            assertThatThrownBy(() -> server.register("extra", extraModule))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("model.layers.9");
        }
        assertThat(server.adapterIds()).doesNotContain("other", "shape", "extra");
    }
}
