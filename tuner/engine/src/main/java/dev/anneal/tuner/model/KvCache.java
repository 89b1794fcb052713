package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The keys and values of the tokens seen so far, per layer, so that generation computes each new
 * token from the cache instead of recomputing the whole prefix.
 *
 * <p>Buffers {@code [batch, kv_heads, capacity, head_dim]} per layer are allocated once in a
 * manager of their own; each forward pass writes its new keys/values in place after the {@link
 * #length()} tokens already cached. For inference only: the in-place writes are not meant for
 * autograd. Not thread-safe: one cache per sequence being generated. A forward pass that fails
 * half-way leaves the cache unusable.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int batchSize;
    private final int capacity;
    private int length;

    /**
     * Allocates the buffers.
     *
     * @param parent the manager under which the cache's own manager is created
     * @param config the model's configuration (layers, key/value heads, head dimension)
     * @param batchSize sequences generated together
     * @param capacity the most tokens (prompt included) the cache will hold
     */
    public KvCache(NDManager parent, LlamaConfig config, int batchSize, int capacity) {
        if (batchSize <= 0 || capacity <= 0) {
            throw new IllegalArgumentException(
                    "batchSize and capacity must be positive, got " + batchSize + ", " + capacity);
        }
        if (capacity > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(
                    "KV cache capacity "
                            + capacity
                            + " exceeds max_position_embeddings "
                            + config.maxPositionEmbeddings());
        }
        this.manager = parent.newSubManager();
        this.batchSize = batchSize;
        this.capacity = capacity;
        Shape shape = new Shape(batchSize, config.numKeyValueHeads(), capacity, config.headDim());
        this.keys = new NDArray[config.numHiddenLayers()];
        this.values = new NDArray[config.numHiddenLayers()];
        for (int layer = 0; layer < keys.length; layer++) {
            keys[layer] = manager.zeros(shape);
            values[layer] = manager.zeros(shape);
        }
    }

    /** Tokens cached so far: the position of the next token. */
    public int length() {
        return length;
    }

    /** The most tokens the cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Sequences generated together. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Stores the keys and values of new tokens of one layer and returns those of all tokens.
     *
     * @param layer the layer index
     * @param newKeys {@code [batch, kv_heads, seq, head_dim]}, already rotated
     * @param newValues {@code [batch, kv_heads, seq, head_dim]}
     * @return keys and values {@code [batch, kv_heads, length + seq, head_dim]}, views owned by the
     *     manager of {@code newKeys}
     */
    NDArray[] update(int layer, NDArray newKeys, NDArray newValues) {
        long end = length + newKeys.getShape().get(2);
        if (end > capacity) {
            throw new IllegalStateException(
                    "KV cache full: " + end + " tokens exceed its capacity " + capacity);
        }
        if (newKeys.getShape().get(0) != batchSize) {
            throw new IllegalArgumentException(
                    "Batch of " + newKeys.getShape().get(0) + " for a cache of " + batchSize);
        }
        NDIndex fresh = new NDIndex(":, :, {}:{}", length, end);
        keys[layer].set(fresh, newKeys);
        values[layer].set(fresh, newValues);
        NDIndex all = new NDIndex(":, :, :{}", end);
        NDManager step = newKeys.getManager();
        return new NDArray[] {keys[layer].get(step, all), values[layer].get(step, all)};
    }

    /**
     * Marks the tokens of the last forward pass as cached; called once every layer has stored them.
     *
     * @param tokens the sequence length of that pass
     */
    void advance(long tokens) {
        length += (int) tokens;
    }

    /** Frees the buffers. */
    @Override
    public void close() {
        manager.close();
    }
}
