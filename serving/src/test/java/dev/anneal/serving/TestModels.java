package dev.anneal.serving;

import ai.djl.pytorch.jni.JniUtils;
import dev.anneal.serving.scheduler.TokenListener;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.SequenceDecoder;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.serve.RandomAdapters;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Fixtures of the serving tests: stories260K, random adapters, an in-memory model store. */
final class TestModels {

    static final Path STORIES_260K =
            Path.of("..", "tuner", "engine", "models", "stories260K").toAbsolutePath().normalize();

    static final String BASE = "stories";

    private TestModels() {}

    /** Saves a rank-4 adapter with random non-zero A and B (so that it changes the output). */
    static Path saveRandomAdapter(long seed, Path dir) throws Exception {
        return saveRandomAdapter(seed, dir, BASE);
    }

    /**
     * Saves a random adapter naming the model it was trained on, as the worker does.
     *
     * @param trainedOn its {@code base_model_name_or_path}
     */
    static Path saveRandomAdapter(long seed, Path dir, String trainedOn) throws Exception {
        LoraConfig config =
                LoraConfig.rank(4).withAlpha(8).withTargetModules("q_proj", "v_proj", "down_proj");
        return RandomAdapters.save(STORIES_260K, config, seed, 0.5, trainedOn, dir);
    }

    /** The archive the worker would store for an adapter folder. */
    static byte[] archive(Path adapterDir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String file : new String[] {PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE}) {
                zip.putNextEntry(new ZipEntry("adapter/" + file));
                zip.write(Files.readAllBytes(adapterDir.resolve(file)));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** A store with stories260K as base model and LoRA models held as archives in memory. */
    static final class MemoryStore implements ModelStore {

        final Map<String, byte[]> archives = new HashMap<>();
        final AtomicInteger opened = new AtomicInteger();

        /** libtorch's intra-op threads of the thread that opened each archive, in order. */
        final List<Integer> intraOpThreadsWhileOpening = new CopyOnWriteArrayList<>();

        @Override
        public Optional<ModelRef> resolve(String tenantId, String modelId) {
            if (modelId.equals(BASE)) {
                return Optional.of(new ModelRef.Base(BASE));
            }
            if (archives.containsKey(tenantId + "/" + modelId)) {
                return Optional.of(new ModelRef.Lora(modelId, tenantId, BASE, modelId + "-blob"));
            }
            return Optional.empty();
        }

        @Override
        public Path baseModelFolder(String baseModelId) {
            return STORIES_260K;
        }

        @Override
        public InputStream openArchive(ModelRef model) {
            ModelRef.Lora lora = (ModelRef.Lora) model;
            opened.incrementAndGet();
            intraOpThreadsWhileOpening.add(JniUtils.getNumThreads());
            return new ByteArrayInputStream(archives.get(lora.tenantId() + "/" + lora.modelId()));
        }
    }

    /** Collects a sequence's text deltas and its end. */
    static class Collector implements TokenListener {

        final StringBuilder text = new StringBuilder();
        final CompletableFuture<GenerationResult> done = new CompletableFuture<>();

        @Override
        public void onToken(SequenceDecoder.TokenStep step) {
            text.append(step.textDelta());
        }

        @Override
        public void onFinish(GenerationResult result) {
            done.complete(result);
        }

        @Override
        public void onError(RuntimeException error) {
            done.completeExceptionally(error);
        }
    }
}
