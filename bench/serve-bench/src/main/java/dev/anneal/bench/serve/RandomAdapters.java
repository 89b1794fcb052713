package dev.anneal.bench.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraLinear;
import dev.anneal.tuner.lora.LoraProjections;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Random LoRA adapters of a base model, each packed as the archive the worker stores for a LoRA
 * fine-tune ({@code adapter/adapter_config.json} and {@code adapter/adapter_model.safetensors}),
 * which is what a {@link dev.anneal.serving.ModelStore} hands serving.
 *
 * <p>The usual shape of a fine-tune: rank 8, alpha 16, on {@code q,k,v,o}; A and B normal with std
 * 0.02 from a seed per adapter, so that every adapter changes the output as a trained one would.
 */
final class RandomAdapters {

    /** The adapters' configuration. */
    static final LoraConfig CONFIG =
            LoraConfig.rank(8).withAlpha(16).withTargetModules(LoraConfig.ATTENTION_MODULES);

    private static final String[] FILES = {PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE};

    private RandomAdapters() {}

    /**
     * Writes the archives.
     *
     * @param baseFolder the base model's Hugging Face folder
     * @param baseModelId its id, written as {@code base_model_name_or_path}
     * @param count how many adapters
     * @param seed the first adapter's seed; the next ones count up from it
     * @return the archives, in order
     */
    static List<byte[]> archives(Path baseFolder, String baseModelId, int count, long seed)
            throws IOException {
        List<byte[]> archives = new ArrayList<>(count);
        Path dir = Files.createTempDirectory("anneal-bench-adapter");
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections = new LoraProjections(CONFIG, manager);
            HfModelLoader.load(baseFolder, manager, projections);
            // makes every A and B once; each adapter below copies its values into them
            projections.initialise(seed);
            for (int i = 0; i < count; i++) {
                Random random = new Random(seed + i);
                try (NDManager scratch = manager.newSubManager()) {
                    for (LoraLinear adapter : projections.adapters()) {
                        adapter.setAdapterWeights(
                                gaussian(scratch, random, adapter.loraA().getArray().getShape()),
                                gaussian(scratch, random, adapter.loraB().getArray().getShape()));
                    }
                }
                PeftAdapter.save(dir, projections, baseModelId);
                archives.add(archive(dir));
            }
        } finally {
            for (String file : FILES) {
                Files.deleteIfExists(dir.resolve(file));
            }
            Files.deleteIfExists(dir);
        }
        return archives;
    }

    private static NDArray gaussian(NDManager manager, Random random, Shape shape) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        return manager.create(values, shape);
    }

    /** The archive the worker would store for an adapter folder. */
    private static byte[] archive(Path adapterDir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String file : FILES) {
                zip.putNextEntry(new ZipEntry("adapter/" + file));
                zip.write(Files.readAllBytes(adapterDir.resolve(file)));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
