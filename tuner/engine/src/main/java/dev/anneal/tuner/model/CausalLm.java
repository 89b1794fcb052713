package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A decoder-only language model as generation sees it: token ids in, next-token logits out,
 * optionally continuing from a {@link KvCache}.
 *
 * <p>The seam for serving several adapters from one base model: a view that applies an adapter
 * implements this interface over the shared base weights, and generation runs on it unchanged.
 *
 * <p>Results belong to the manager of {@code inputIds}: create the ids in a per-step sub-manager
 * and close it after reading the logits. Implementations are safe for concurrent use as long as
 * each thread uses its own cache.
 */
public interface CausalLm {

    /** The model's configuration. */
    LlamaConfig config();

    /**
     * Allocates a cache for this model.
     *
     * @param manager the manager under which the cache allocates its buffers
     * @param batchSize sequences generated together
     * @param capacity the most tokens, prompt included
     * @return an empty cache; close it when done
     */
    KvCache newKvCache(NDManager manager, int batchSize, int capacity);

    /**
     * Computes the logits of every position.
     *
     * @param inputIds {@code [batch, seq]} int64, the tokens after those already in the cache
     * @param cache the cache to read and extend, or {@code null} to start at position 0
     * @return {@code [batch, seq, vocab]}
     */
    NDArray logits(NDArray inputIds, KvCache cache);

    /**
     * Computes the logits of the last position only, skipping the output head elsewhere.
     *
     * @param inputIds {@code [batch, seq]} int64, the tokens after those already in the cache
     * @param cache the cache to read and extend, or {@code null} to start at position 0
     * @return {@code [batch, vocab]}
     */
    NDArray lastLogits(NDArray inputIds, KvCache cache);
}
