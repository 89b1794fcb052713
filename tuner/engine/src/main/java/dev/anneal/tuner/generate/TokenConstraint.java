package dev.anneal.tuner.generate;

import java.util.BitSet;

/**
 * Constrained decoding: which tokens may come next, so that the output always has a required shape
 * (valid JSON, a JSON schema) because nothing else can be sampled, rather than being checked
 * afterwards.
 *
 * <p>The decoding loop asks {@link #allowed} before each token, samples among the allowed tokens
 * only (the others' logits are set to minus infinity), then reports the chosen token with {@link
 * #accept}. Not thread-safe: one constraint per sequence being generated.
 */
public interface TokenConstraint {

    /**
     * The tokens that may come next.
     *
     * @return a set of token ids, never empty: when the output is complete it holds the
     *     end-of-sequence token(s) only
     */
    BitSet allowed();

    /**
     * Advances past a token that {@link #allowed} allowed.
     *
     * @param tokenId the chosen token
     * @throws IllegalArgumentException if the token was not allowed
     */
    void accept(long tokenId);

    /** Whether the output so far is complete: the decoding may stop here. */
    boolean isComplete();
}
