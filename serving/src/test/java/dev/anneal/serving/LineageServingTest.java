package dev.anneal.serving;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.export.MergedWeights;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tunes of fine-tunes: a LoRA trained on a full fine-tune runs as an adapter on that model's
 * resident weights; a LoRA trained on a LoRA fine-tune runs with both adapters stacked on the base.
 * Both answer as the engine does on the weights the worker trained them on (the parent's adapter
 * folded in, {@link MergedWeights#mergeAdapter}).
 */
class LineageServingTest {

    private static final String TENANT = "tenant-a";
    private static final String PROMPT = "Lily and Tom went to the park. They saw a big dog and";

    @TempDir static Path dirs;

    private static Path merged;
    private static Path top;
    private static ServingEngine engine;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void start() throws Exception {
        Path bottom = TestModels.saveRandomAdapter(31, dirs.resolve("bottom"));
        merged = dirs.resolve("merged");
        MergedWeights.mergeAdapter(TestModels.STORIES_260K, bottom, merged);
        top = TestModels.saveRandomAdapter(32, dirs.resolve("top"), "ft-bottom");
        Path topOnFull = TestModels.saveRandomAdapter(32, dirs.resolve("top-on-full"), "ft-full");

        LineageStore store = new LineageStore();
        ModelRef.Base base = new ModelRef.Base(TestModels.BASE);
        ModelRef.Lora bottomRef =
                new ModelRef.Lora("ft-bottom", TENANT, TestModels.BASE, "b1", base);
        ModelRef.Full full = new ModelRef.Full("ft-full", TENANT, TestModels.BASE, "b2");
        store.add(bottomRef, TestModels.archive(bottom));
        store.add(full, folderArchive(merged));
        store.add(
                new ModelRef.Lora("ft-top", TENANT, "ft-bottom", "b3", bottomRef),
                TestModels.archive(top));
        store.add(
                new ModelRef.Lora("ft-top-on-full", TENANT, "ft-full", "b4", full),
                TestModels.archive(topOnFull));
        engine = new ServingEngine(store, new ServingConfig(4, 4096, 16, 4, 0));
        tokenizer = TextTokenizer.load(TestModels.STORIES_260K);
    }

    @AfterAll
    static void stop() {
        engine.close();
        tokenizer.close();
    }

    @Test
    void shouldAnswerAsAdapterOnMergedParentWhenLoraWasTrainedOnLora() throws Exception {
        GenerationResult expected = onMergedParent();

        GenerationResult served = serve("ft-top");

        assertThat(served.generatedIds()).containsExactly(expected.generatedIds());
        assertThat(served.generatedIds()).isNotEqualTo(serve("ft-bottom").generatedIds());
    }

    @Test
    void shouldAnswerAsAdapterOnFullWeightsWhenLoraWasTrainedOnFullFineTune() throws Exception {
        GenerationResult expected = onMergedParent();

        GenerationResult served = serve("ft-top-on-full");

        assertThat(served.generatedIds()).containsExactly(expected.generatedIds());
        assertThat(served.generatedIds()).isNotEqualTo(serve("ft-full").generatedIds());
    }

    private static GenerationResult onMergedParent() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            return new Generator(PeftAdapter.loadModel(merged, top, manager), tokenizer)
                    .generate(tokenizer.encode(PROMPT), greedy());
        }
    }

    private static GenerationResult serve(String model) throws Exception {
        TestModels.Collector collector = new TestModels.Collector();
        ServedModel served = engine.open(TENANT, model);
        served.submit(tokenizer.encode(PROMPT), greedy(), null, collector);
        return collector.done.get(60, TimeUnit.SECONDS);
    }

    private static GenerationConfig greedy() {
        return GenerationConfig.builder().optMaxNewTokens(30).optEosTokenIds(Set.of(2L)).build();
    }

    /** The archive the worker stores for a full fine-tune: its folder under {@code model/}. */
    private static byte[] folderArchive(Path folder) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes);
                Stream<Path> files = Files.list(folder)) {
            for (Path file : files.toList()) {
                zip.putNextEntry(new ZipEntry("model/" + file.getFileName()));
                zip.write(Files.readAllBytes(file));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** A tenant's models with their lineage, archives in memory. */
    private static final class LineageStore implements ModelStore {

        private final Map<String, ModelRef> models = new HashMap<>();
        private final Map<String, byte[]> archives = new HashMap<>();

        void add(ModelRef model, byte[] archive) {
            models.put(model.modelId(), model);
            archives.put(model.modelId(), archive);
        }

        @Override
        public Optional<ModelRef> resolve(String tenantId, String modelId) {
            if (modelId.equals(TestModels.BASE)) {
                return Optional.of(new ModelRef.Base(TestModels.BASE));
            }
            return TENANT.equals(tenantId)
                    ? Optional.ofNullable(models.get(modelId))
                    : Optional.empty();
        }

        @Override
        public Path baseModelFolder(String baseModelId) {
            return TestModels.STORIES_260K;
        }

        @Override
        public InputStream openArchive(ModelRef model) {
            return new ByteArrayInputStream(archives.get(model.modelId()));
        }
    }
}
