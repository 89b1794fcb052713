package dev.anneal.tuner.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: greedy, or temperature / top-k / top-p (<a
 * href="https://arxiv.org/abs/1904.09751">Holtzman et al., 2019</a>) sampling, in the order {@code
 * transformers} applies them.
 *
 * <p>Runs in Java on the logits of the last position: one row of {@code vocab} floats per token,
 * cheap next to the forward pass, and bit-for-bit reproducible from the seed. Not thread-safe: one
 * sampler per sequence.
 */
public final class TokenSampler {

    private final float temperature;
    private final int topK;
    private final float topP;
    private final SplittableRandom random;

    /**
     * Creates a sampler.
     *
     * @param config temperature, top-k, top-p and seed
     */
    public TokenSampler(GenerationConfig config) {
        this.temperature = config.temperature();
        this.topK = config.topK();
        this.topP = config.topP();
        this.random = new SplittableRandom(config.seed());
    }

    /**
     * Picks a token.
     *
     * @param logits {@code [vocab]}
     * @return the token id
     */
    public int next(float[] logits) {
        if (temperature == 0) {
            return argMax(logits);
        }
        int[] candidates = candidates(logits);
        double max = logits[candidates[0]];
        double[] weights = new double[candidates.length];
        double total = 0;
        for (int i = 0; i < candidates.length; i++) {
            weights[i] = Math.exp((logits[candidates[i]] - max) / temperature);
            total += weights[i];
        }
        int kept = candidates.length;
        if (topP < 1) {
            double cumulative = 0;
            for (int i = 0; i < candidates.length; i++) {
                cumulative += weights[i] / total;
                if (cumulative >= topP) {
                    kept = i + 1;
                    break;
                }
            }
            total = 0;
            for (int i = 0; i < kept; i++) {
                total += weights[i];
            }
        }
        double target = random.nextDouble() * total;
        for (int i = 0; i < kept; i++) {
            target -= weights[i];
            if (target < 0) {
                return candidates[i];
            }
        }
        return candidates[kept - 1];
    }

    /**
     * The first index of the largest value, as llama2.c and {@code torch.argmax} pick it.
     *
     * @param logits {@code [vocab]}
     * @return the index
     */
    public static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The token ids to sample among, most likely first, cut to top-k; all when no cut. */
    private int[] candidates(float[] logits) {
        boolean cut = (topK > 0 && topK < logits.length) || topP < 1;
        if (!cut) {
            int[] all = new int[logits.length];
            int best = argMax(logits);
            all[0] = best;
            for (int i = 0, j = 1; i < logits.length; i++) {
                if (i != best) {
                    all[j++] = i;
                }
            }
            return all;
        }
        // Sort by logit, descending, ties by id, without boxing: the logit's bits, made
        // order-reversing as a signed int, go in the high half of a long, the id in the low half.
        long[] keys = new long[logits.length];
        for (int i = 0; i < logits.length; i++) {
            int bits = Float.floatToIntBits(logits[i]);
            int ascending = bits < 0 ? bits ^ Integer.MAX_VALUE : bits;
            keys[i] = ((long) ~ascending << 32) | i;
        }
        Arrays.sort(keys);
        int count = topK > 0 ? Math.min(topK, logits.length) : logits.length;
        int[] sorted = new int[count];
        for (int i = 0; i < count; i++) {
            sorted[i] = (int) keys[i];
        }
        return sorted;
    }
}
