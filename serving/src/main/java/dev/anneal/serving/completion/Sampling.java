package dev.anneal.serving.completion;

import java.util.List;

/**
 * How one sequence is generated.
 *
 * @param maxTokens the most new tokens, at least 1; the scheduler also stops at the context's end
 * @param temperature 0 for greedy decoding, else the softmax temperature
 * @param topP nucleus sampling's probability mass, in (0, 1]
 * @param stop strings that end generation and never appear in the output
 * @param logprobs -1 for none; else each token's log-probability with this many of the likeliest
 *     alternatives
 * @param seed the sampler's seed, so that sampling is reproducible
 */
public record Sampling(
        int maxTokens, float temperature, float topP, List<String> stop, int logprobs, long seed) {

    /** Copies and validates. */
    public Sampling {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    /** The same, with another seed: each of a request's {@code n} choices gets its own. */
    public Sampling withSeed(long seed) {
        return new Sampling(maxTokens, temperature, topP, stop, logprobs, seed);
    }
}
