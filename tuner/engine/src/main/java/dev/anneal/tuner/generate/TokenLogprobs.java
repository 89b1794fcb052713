package dev.anneal.tuner.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The log-probabilities of one step: the log-softmax of the model's raw logits row, before
 * temperature, top-k, top-p and any structured-output mask (what OpenAI reports), so not
 * necessarily of the distribution the token was sampled from.
 *
 * @param chosen the token generated
 * @param top the {@link GenerationConfig#logprobs()} most likely tokens, most likely first, ties by
 *     lower id (so under greedy decoding the chosen token comes first)
 */
public record TokenLogprobs(Token chosen, List<Token> top) {

    /**
     * One token's log-probability at a step.
     *
     * @param tokenId the token
     * @param text the token's text as it reads after the previous token (so with the leading space
     *     a SentencePiece token carries); special tokens by name; a byte of an incomplete UTF-8
     *     character as U+FFFD
     * @param logprob natural log of its probability, &le; 0
     */
    public record Token(long tokenId, String text, double logprob) {}

    /**
     * What a step's raw logits say, read before any mask changes them.
     *
     * @param logNorm {@code log(sum(exp(logits)))}
     * @param topIds the most likely ids, most likely first
     * @param topLogits their raw logits
     */
    record Reading(double logNorm, int[] topIds, float[] topLogits) {

        /**
         * Reads the raw logits of a step.
         *
         * @param logits {@code [vocab]}
         * @param k how many alternatives to keep
         */
        static Reading of(float[] logits, int k) {
            int[] ids = TokenLogprobs.topIds(logits, k);
            float[] values = new float[ids.length];
            for (int i = 0; i < ids.length; i++) {
                values[i] = logits[ids[i]];
            }
            return new Reading(TokenLogprobs.logSumExp(logits), ids, values);
        }

        /**
         * The step's log-probabilities once its token is chosen.
         *
         * @param next the chosen token, allowed by any mask, so {@code chosenLogit} is its raw
         *     logit
         * @param text a token's text as it reads after the previous token
         */
        TokenLogprobs choose(long next, float chosenLogit, LongFunction<String> text) {
            List<Token> top = new ArrayList<>(topIds.length);
            Token chosen = null;
            for (int i = 0; i < topIds.length; i++) {
                Token alternative =
                        new Token(topIds[i], text.apply(topIds[i]), topLogits[i] - logNorm);
                top.add(alternative);
                if (topIds[i] == next) {
                    chosen = alternative;
                }
            }
            if (chosen == null) {
                chosen = new Token(next, text.apply(next), chosenLogit - logNorm);
            }
            return new TokenLogprobs(chosen, List.copyOf(top));
        }
    }

    /**
     * {@code log(sum(exp(x)))} over the row, shifted by its largest finite value so that no term
     * overflows; summed in double.
     *
     * @param logits {@code [vocab]}
     */
    static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : logits) {
            if (x > max) {
                max = x;
            }
        }
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            return max;
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp((double) x - max);
        }
        return max + Math.log(sum);
    }

    /**
     * The ids of the k largest logits, largest first, ties by lower id (as {@link
     * TokenSampler#argMax} picks): one pass keeping a sorted window of k, for k up to a few dozen.
     *
     * @param logits {@code [vocab]}
     * @param k how many, at most the vocabulary
     */
    static int[] topIds(float[] logits, int k) {
        int count = Math.min(k, logits.length);
        int[] ids = new int[count];
        int filled = 0;
        for (int i = 0; i < logits.length && count > 0; i++) {
            float x = logits[i];
            if (filled == count && !(x > logits[ids[count - 1]])) {
                continue;
            }
            int at = filled == count ? count - 1 : filled++;
            while (at > 0 && x > logits[ids[at - 1]]) {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = i;
        }
        return ids;
    }
}
