package dev.anneal.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.generate.SequenceDecoder;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FullFineTuneServingTest {

    private static final String TENANT = "tenant-a";
    private static final List<String> PROMPTS =
            List.of(
                    "Once upon a time",
                    "Lily and Tom went to the park. They saw a big dog and",
                    "The sun");

    private static byte[] archive;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void start() throws Exception {
        archive = fullWeightsArchive(TestModels.STORIES_260K);
        tokenizer = TextTokenizer.load(TestModels.STORIES_260K);
    }

    @AfterAll
    static void stop() {
        tokenizer.close();
    }

    /** The archive the worker would store for a full fine-tune: the folder under {@code model/}. */
    private static byte[] fullWeightsArchive(Path folder) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String file :
                    List.of(
                            "config.json",
                            "generation_config.json",
                            "model.safetensors",
                            "tokenizer.json",
                            "tokenizer_config.json")) {
                zip.putNextEntry(new ZipEntry("model/" + file));
                zip.write(Files.readAllBytes(folder.resolve(file)));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Full fine-tunes of stories260K held as archives in memory, by tenant and model id. */
    private static final class FullStore implements ModelStore {

        final Map<String, String> blobs = new ConcurrentHashMap<>();
        final AtomicInteger opened = new AtomicInteger();

        @Override
        public Optional<ModelRef> resolve(String tenantId, String modelId) {
            String blob = blobs.get(tenantId + "/" + modelId);
            return blob == null
                    ? Optional.empty()
                    : Optional.of(new ModelRef.Full(modelId, tenantId, TestModels.BASE, blob));
        }

        @Override
        public Path baseModelFolder(String baseModelId) {
            return TestModels.STORIES_260K;
        }

        @Override
        public InputStream openArchive(ModelRef model) {
            opened.incrementAndGet();
            return new ByteArrayInputStream(archive);
        }
    }

    private static GenerationConfig greedy(int tokens) {
        return GenerationConfig.builder()
                .optMaxNewTokens(tokens)
                .optEosTokenIds(Set.of(2L))
                .build();
    }

    private static GenerationResult alone(String prompt, GenerationConfig config) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            return new Generator(HfModelLoader.load(TestModels.STORIES_260K, manager), tokenizer)
                    .generate(tokenizer.encode(prompt), config);
        }
    }

    private static TestModels.Collector submit(
            ServingEngine engine, String model, String prompt, GenerationConfig config)
            throws Exception {
        return submit(engine, model, prompt, config, new TestModels.Collector());
    }

    private static <T extends TestModels.Collector> T submit(
            ServingEngine engine, String model, String prompt, GenerationConfig config, T collector)
            throws Exception {
        ServedModel served = engine.open(TENANT, model);
        served.submit(served.tokenizer().encode(prompt), config, null, collector);
        return collector;
    }

    @Test
    void shouldGenerateAsGeneratorOnFolderWhenServingFullFineTuneFromArchive() throws Exception {
        FullStore store = new FullStore();
        store.blobs.put(TENANT + "/ft-full", "blob-1");
        try (ServingEngine engine =
                new ServingEngine(store, new ServingConfig(2, 4096, 16, 4, 0))) {
            List<GenerationResult> expected = new ArrayList<>();
            List<TestModels.Collector> served = new ArrayList<>();
            for (int i = 0; i < PROMPTS.size(); i++) {
                expected.add(alone(PROMPTS.get(i), greedy(40 + i)));
            }
            for (int i = 0; i < PROMPTS.size(); i++) {
                served.add(submit(engine, "ft-full", PROMPTS.get(i), greedy(40 + i)));
            }

            for (int i = 0; i < PROMPTS.size(); i++) {
                GenerationResult result = served.get(i).done.get(60, TimeUnit.SECONDS);
                assertThat(result.generatedIds())
                        .as("prompt %d", i)
                        .containsExactly(expected.get(i).generatedIds());
                assertThat(served.get(i).text.toString()).isEqualTo(expected.get(i).text());
            }
            ServedModel model = engine.open(TENANT, "ft-full");
            assertThat(model.ref()).isInstanceOf(ModelRef.Full.class);
            assertThat(model.tokenizer().encode(PROMPTS.get(1)))
                    .containsExactly(tokenizer.encode(PROMPTS.get(1)));
            assertThat(model.contextLength()).isEqualTo(512);
            assertThat(engine.fullModelStats().loads()).isEqualTo(1);
            assertThat(store.opened.get()).isEqualTo(1);
        }
    }

    @Test
    void shouldLoadAgainWhenModelWasReplacedOrEvicted() throws Exception {
        FullStore store = new FullStore();
        store.blobs.put(TENANT + "/ft-a", "blob-a");
        store.blobs.put(TENANT + "/ft-b", "blob-b");
        try (ServingEngine engine =
                new ServingEngine(store, new ServingConfig(2, 4096, 16, 4, 0, 1))) {
            submit(engine, "ft-a", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);
            submit(engine, "ft-a", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);
            assertThat(store.opened.get()).as("kept in memory").isEqualTo(1);

            submit(engine, "ft-b", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);
            store.blobs.put(TENANT + "/ft-b", "blob-b2");
            submit(engine, "ft-b", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);

            assertThat(store.opened.get()).isEqualTo(3);
            assertThat(engine.fullModelStats())
                    .isEqualTo(new ServingEngine.FullModelStats(1, 3, 2));
            assertThat(engine.schedulerStats()).containsOnlyKeys(TENANT + "/blob-b2");
        }
    }

    @Test
    void shouldRefuseToEvictWhenEveryFullFineTuneInMemoryIsBusy() throws Exception {
        FullStore store = new FullStore();
        store.blobs.put(TENANT + "/ft-a", "blob-a");
        store.blobs.put(TENANT + "/ft-b", "blob-b");
        try (ServingEngine engine =
                new ServingEngine(store, new ServingConfig(2, 4096, 16, 4, 0, 1))) {
            Held held = submit(engine, "ft-a", "Once upon a time", greedy(20), new Held());
            assertThat(held.first.await(60, TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(() -> engine.open(TENANT, "ft-b"))
                    .isInstanceOf(ServingOverloadedException.class)
                    .hasMessageContaining("ANNEAL_SERVE_MAX_FULL_MODELS")
                    .hasMessageContaining("ft-b");

            held.release.countDown();
            held.done.get(60, TimeUnit.SECONDS);
            submit(engine, "ft-b", "The sun", greedy(2)).done.get(60, TimeUnit.SECONDS);
            assertThat(engine.fullModelStats().evictions()).isEqualTo(1);
        }
    }

    @Test
    void shouldNotFindFullFineTuneWhenAskedByAnotherTenant() throws Exception {
        FullStore store = new FullStore();
        store.blobs.put(TENANT + "/ft-a", "blob-a");
        try (ServingEngine engine =
                new ServingEngine(store, new ServingConfig(2, 4096, 16, 4, 0))) {
            assertThatThrownBy(() -> engine.open("tenant-b", "ft-a"))
                    .isInstanceOf(ModelNotFoundException.class);
            assertThat(store.opened.get()).isZero();
        }
    }

    /** A collector that holds its sequence on the engine thread after the first token. */
    private static final class Held extends TestModels.Collector {

        final CountDownLatch first = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void onToken(SequenceDecoder.TokenStep step) {
            super.onToken(step);
            first.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
