package dev.anneal.serving.structured;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.TokenConstraint;
import dev.anneal.tuner.generate.TokenSampler;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * The smallest decoding loop that applies a {@link TokenConstraint}: one batch of sequences after
 * the same prompt, each sampled at temperature 1 among its allowed tokens (the others' logits set
 * to minus infinity). Test scaffolding, not the serving loop.
 */
final class ConstrainedSampling {

    private ConstrainedSampling() {}

    /**
     * Samples one answer per constraint.
     *
     * @param model the model
     * @param prompt the prompt's ids, {@code [prompt]}
     * @param constraints one fresh constraint per answer
     * @param maxTokens the most tokens per answer, the end-of-sequence token included
     * @param eosIds the tokens that end an answer
     * @param seed the seed of the first answer's sampler; answer i uses {@code seed + i}
     * @return each answer's tokens, its end-of-sequence token last if it has one
     */
    static List<long[]> sample(
            CausalLm model,
            long[] prompt,
            List<TokenConstraint> constraints,
            int maxTokens,
            Set<Long> eosIds,
            long seed) {
        int batch = constraints.size();
        List<TokenSampler> samplers = new ArrayList<>();
        for (int row = 0; row < batch; row++) {
            samplers.add(
                    new TokenSampler(
                            GenerationConfig.builder()
                                    .optTemperature(1f)
                                    .optSeed(seed + row)
                                    .build()));
        }
        long[][] answers = new long[batch][maxTokens];
        int[] lengths = new int[batch];
        boolean[] ended = new boolean[batch];
        long[] input = new long[batch * prompt.length];
        for (int row = 0; row < batch; row++) {
            System.arraycopy(prompt, 0, input, row * prompt.length, prompt.length);
        }
        int width = prompt.length;
        try (NDManager manager = NDManager.newBaseManager();
                KvCache cache = model.newKvCache(manager, batch, prompt.length + maxTokens)) {
            for (int step = 0; step < maxTokens; step++) {
                float[] logits;
                try (NDManager stepManager = manager.newSubManager()) {
                    NDArray ids = stepManager.create(input, new Shape(batch, width));
                    logits = model.lastLogits(ids, cache).toFloatArray(); // [batch, vocab]
                }
                int vocab = logits.length / batch;
                long[] next = new long[batch];
                boolean running = false;
                for (int row = 0; row < batch; row++) {
                    if (ended[row]) {
                        next[row] = answers[row][lengths[row] - 1]; // padding, never read
                        continue;
                    }
                    float[] rowLogits = Arrays.copyOfRange(logits, row * vocab, (row + 1) * vocab);
                    BitSet allowed = constraints.get(row).allowed();
                    for (int id = allowed.nextClearBit(0);
                            id < vocab;
                            id = allowed.nextClearBit(id + 1)) {
                        rowLogits[id] = Float.NEGATIVE_INFINITY;
                    }
                    long token = samplers.get(row).next(rowLogits);
                    constraints.get(row).accept(token);
                    answers[row][lengths[row]++] = token;
                    next[row] = token;
                    ended[row] = eosIds.contains(token);
                    running |= !ended[row];
                }
                if (!running) {
                    break;
                }
                input = next;
                width = 1;
            }
        }
        List<long[]> result = new ArrayList<>();
        for (int row = 0; row < batch; row++) {
            result.add(Arrays.copyOf(answers[row], lengths[row]));
        }
        return result;
    }
}
