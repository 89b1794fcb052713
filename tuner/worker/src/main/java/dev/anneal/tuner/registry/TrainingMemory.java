package dev.anneal.tuner.registry;

import dev.anneal.tuner.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a training job will hold in memory at its peak, estimated before it is queued, so that a job
 * that cannot fit a worker is refused up front instead of taking down the worker that claims it.
 * Everything is float32, as the engine trains:
 *
 * <ul>
 *   <li>weights: 4 bytes per parameter of the base model;
 *   <li>gradients and AdamW's two moments: 12 bytes per trainable parameter (all of them for full
 *       fine-tuning; {@code r × (in + out)} per targeted projection and layer for LoRA);
 *   <li>activations kept for the backward pass: per layer {@code batch × seq × hidden × (34 + 5 ×
 *       heads × seq / hidden) × 2} bytes (Korthikanti et al., 2022, counted at 16 bits, doubled for
 *       32), and the logits with their softmax and gradient, {@code 3 × batch × seq × vocab × 4};
 *   <li>the dataset as the engine holds it, read line by line into token ids: 3 bytes per byte of
 *       the file (a token's id and target take 9 bytes, for 3 to 4 bytes of text).
 * </ul>
 *
 * @param weights bytes of the base model's weights
 * @param optimizer bytes of gradients and optimiser state
 * @param activations bytes of activations and logits
 * @param dataset bytes of the parsed training data
 */
public record TrainingMemory(long weights, long optimizer, long activations, long dataset) {

    private static final long FLOAT = 4;

    /** The sum. */
    public long total() {
        return weights + optimizer + activations + dataset;
    }

    /**
     * Estimates a job's peak.
     *
     * @param model the base model
     * @param full whether every weight is trained (else a LoRA adapter)
     * @param loraRank the adapter's rank (LoRA only)
     * @param loraModules the projections it targets (LoRA only)
     * @param batch sequences per step
     * @param seq tokens per sequence
     * @param datasetBytes the training file's size
     * @return the estimate, or empty when the model's {@code config.json} cannot be read here (a
     *     model folder not mounted in this process, the built-in model before its first use)
     */
    public static Optional<TrainingMemory> estimate(
            BaseModel model,
            boolean full,
            int loraRank,
            List<String> loraModules,
            int batch,
            int seq,
            long datasetBytes) {
        if (!Files.isRegularFile(model.path().resolve("config.json"))) {
            return Optional.empty();
        }
        LlamaConfig config;
        try {
            config = LlamaConfig.load(model.path());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        long parameters = config.parameterCount();
        long trainable = full ? parameters : loraParameters(config, loraRank, loraModules);
        long hidden = config.hiddenSize();
        long tokens = (long) batch * seq;
        double perLayer =
                tokens * hidden * (34 + 5.0 * config.numAttentionHeads() * seq / hidden) * 2;
        long logits = 3 * tokens * config.vocabSize() * FLOAT;
        return Optional.of(
                new TrainingMemory(
                        parameters * FLOAT,
                        3 * FLOAT * trainable,
                        (long) (perLayer * config.numHiddenLayers()) + logits,
                        3 * datasetBytes));
    }

    private static long loraParameters(LlamaConfig config, int rank, List<String> modules) {
        long hidden = config.hiddenSize();
        long query = (long) config.numAttentionHeads() * config.headDim();
        long keyValue = (long) config.numKeyValueHeads() * config.headDim();
        long inner = config.intermediateSize();
        long perLayer = 0;
        for (String module : modules) {
            long inPlusOut =
                    switch (module) {
                        case "q_proj", "o_proj" -> hidden + query;
                        case "k_proj", "v_proj" -> hidden + keyValue;
                        case "gate_proj", "up_proj", "down_proj" -> hidden + inner;
                        default -> 0;
                    };
            perLayer += rank * inPlusOut;
        }
        return perLayer * config.numHiddenLayers();
    }

    /** For a message: the total and its parts, in GiB. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%s of memory (weights %s, gradients and optimiser state %s, activations %s,"
                        + " dataset %s)",
                gib(total()),
                gib(weights),
                gib(optimizer),
                gib(activations),
                gib(dataset));
    }

    /** Bytes as GiB with two decimals. */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
