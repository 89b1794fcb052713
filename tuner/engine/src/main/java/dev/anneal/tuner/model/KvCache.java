package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * The keys and values of the tokens seen so far, per layer, so that generation computes each new
 * token from the cache instead of recomputing the whole prefix.
 *
 * <p>The cache is {@code batch} consecutive slots of a {@link KvSlots}: its own, allocated once
 * with the cache, or, for sequences decoded together by a server, one slot of buffers shared with
 * them. Each forward pass writes its new keys/values in place after the {@link #length()} tokens
 * already cached. For inference only: the in-place writes are not meant for autograd. Not
 * thread-safe: one cache per sequence being generated. A forward pass that fails half-way leaves
 * the cache unusable.
 */
public final class KvCache implements AutoCloseable {

    private final KvSlots slots;
    private final boolean ownsSlots;
    private final int first;
    private final int batchSize;
    private int length;
    private boolean closed;

    /**
     * Allocates a cache of its own.
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
        this.slots = new KvSlots(parent, config, capacity);
        this.ownsSlots = true;
        this.first = slots.take(batchSize);
        this.batchSize = batchSize;
    }

    /** A cache of slots already taken in shared buffers; closing it gives them back. */
    KvCache(KvSlots slots, int first, int batchSize) {
        this.slots = slots;
        this.ownsSlots = false;
        this.first = first;
        this.batchSize = batchSize;
    }

    /** Tokens cached so far: the position of the next token. */
    public int length() {
        return length;
    }

    /** The most tokens the cache can hold. */
    public int capacity() {
        return slots.capacity();
    }

    /** Sequences generated together. */
    public int batchSize() {
        return batchSize;
    }

    /** The buffers this cache is a part of. */
    KvSlots slots() {
        return slots;
    }

    /** The first of this cache's slots in {@link #slots()}. */
    int slot() {
        return first;
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
        long end = requireRoom(newKeys.getShape().get(2));
        if (newKeys.getShape().get(0) != batchSize) {
            throw new IllegalArgumentException(
                    "Batch of " + newKeys.getShape().get(0) + " for a cache of " + batchSize);
        }
        int last = first + batchSize;
        NDIndex fresh = new NDIndex("{}:{}, :, {}:{}", first, last, length, end);
        slots.keys(layer).set(fresh, newKeys);
        slots.values(layer).set(fresh, newValues);
        NDIndex all = new NDIndex("{}:{}, :, :{}", first, last, end);
        NDManager step = newKeys.getManager();
        return new NDArray[] {slots.keys(layer).get(step, all), slots.values(layer).get(step, all)};
    }

    /**
     * Checks that {@code tokens} more fit.
     *
     * @return the length after them
     * @throws IllegalStateException if they do not fit
     */
    long requireRoom(long tokens) {
        if (closed) {
            throw new IllegalStateException("The KV cache is closed");
        }
        long end = length + tokens;
        if (end > capacity()) {
            throw new IllegalStateException(
                    "KV cache full: " + end + " tokens exceed its capacity " + capacity());
        }
        return end;
    }

    /**
     * Marks the tokens of the last forward pass as cached; called once every layer has stored them.
     *
     * @param tokens the sequence length of that pass
     */
    void advance(long tokens) {
        length += (int) tokens;
    }

    /** Frees the buffers, or gives the slots back to the buffers shared with other caches. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsSlots) {
            slots.close();
        } else {
            slots.release(first, batchSize);
        }
    }
}
