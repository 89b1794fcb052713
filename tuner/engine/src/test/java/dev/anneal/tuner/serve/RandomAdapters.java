package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraLinear;
import dev.anneal.tuner.lora.LoraProjections;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Test adapters: PEFT folders whose A and B are drawn at random (B not zero, unlike a fresh
 * adapter), so that each changes its base model's answers its own way. Shared by the engine's,
 * serving's and the server's tests through the engine's test jar.
 */
public final class RandomAdapters {

    private RandomAdapters() {}

    /**
     * Saves a random adapter.
     *
     * @param baseModelDir the base model folder whose projections it fits
     * @param config its rank, alpha and target modules
     * @param seed the seed of its weights, drawn module by module, A then B
     * @param std the standard deviation of every weight
     * @param trainedOn its {@code base_model_name_or_path}
     * @param dir the folder to write
     * @return {@code dir}
     */
    public static Path save(
            Path baseModelDir, LoraConfig config, long seed, double std, String trainedOn, Path dir)
            throws IOException {
        try (NDManager scratch = NDManager.newBaseManager()) {
            LoraProjections projections = new LoraProjections(config, scratch);
            HfModelLoader.load(baseModelDir, scratch, projections);
            projections.initialise(seed);
            Random random = new Random(seed);
            for (LoraLinear adapter : projections.adapters()) {
                Shape a = adapter.loraA().getArray().getShape();
                Shape b = adapter.loraB().getArray().getShape();
                adapter.setAdapterWeights(
                        scratch.create(gaussian(random, a.size(), std), a),
                        scratch.create(gaussian(random, b.size(), std), b));
            }
            PeftAdapter.save(dir, projections, trainedOn);
        }
        return dir;
    }

    private static float[] gaussian(Random random, long size, double std) {
        float[] values = new float[Math.toIntExact(size)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }
}
