package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.BitSet;

/**
 * The caches of several sequences of equal capacity side by side: per layer one buffer {@code
 * [slots, kv_heads, capacity, head_dim]} for keys and one for values, each sequence's {@link
 * KvCache} a slot of them.
 *
 * <p>Keeping the sequences decoded together in one buffer lets a decoding step attend for all of
 * them with one product per layer over a view of the occupied slots ({@link KvRows}), instead of
 * one per sequence.
 *
 * <p>Slots are taken lowest first, so the occupied ones stay packed at the front; the buffers grow
 * by a quarter (at least 4 slots, at most up to the limit, contents kept) when every slot is taken,
 * and are freed when the last is given back. Not thread-safe: one thread takes, uses and gives back
 * the slots.
 */
public final class KvSlots implements AutoCloseable {

    private final NDManager parent;
    private final LlamaConfig config;
    private final int capacity;
    private final int maxSlots;
    private final BitSet taken = new BitSet();
    private NDManager manager;
    private NDArray[] keys;
    private NDArray[] values;
    private int slots;

    /**
     * Creates the slots; the buffers are allocated when the first is taken.
     *
     * @param parent the manager under which the buffers are allocated
     * @param config the model's configuration (layers, key/value heads, head dimension)
     * @param capacity the most tokens (prompt included) of each slot
     */
    public KvSlots(NDManager parent, LlamaConfig config, int capacity) {
        this(parent, config, capacity, Integer.MAX_VALUE);
    }

    /**
     * Creates the slots; the buffers are allocated when the first is taken.
     *
     * @param parent the manager under which the buffers are allocated
     * @param config the model's configuration (layers, key/value heads, head dimension)
     * @param capacity the most tokens (prompt included) of each slot
     * @param maxSlots the most slots the buffers grow to
     */
    public KvSlots(NDManager parent, LlamaConfig config, int capacity, int maxSlots) {
        if (maxSlots <= 0) {
            throw new IllegalArgumentException("maxSlots must be positive, got " + maxSlots);
        }
        if (capacity <= 0 || capacity > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(
                    "KV cache capacity "
                            + capacity
                            + " must be positive and within max_position_embeddings "
                            + config.maxPositionEmbeddings());
        }
        this.parent = parent;
        this.config = config;
        this.capacity = capacity;
        this.maxSlots = maxSlots;
    }

    /** The most tokens of each slot. */
    public int capacity() {
        return capacity;
    }

    /** Slots taken now. */
    public int inUse() {
        return taken.cardinality();
    }

    /**
     * Takes the lowest free slot for one sequence.
     *
     * @return its empty cache; closing it gives the slot back
     * @throws IllegalStateException if all {@code maxSlots} are taken
     */
    public KvCache acquire() {
        return new KvCache(this, take(1), 1);
    }

    /** Takes {@code count} consecutive slots after the last taken one; for {@link KvCache}. */
    int take(int count) {
        int first = count == 1 ? taken.nextClearBit(0) : span();
        ensureSlots(first + count);
        taken.set(first, first + count);
        return first;
    }

    /** Gives back slots taken together; frees the buffers when none is left taken. */
    void release(int first, int count) {
        taken.clear(first, first + count);
        if (taken.isEmpty()) {
            close();
        }
    }

    /** One past the highest slot taken: the slots a batched step attends over. */
    int span() {
        return taken.length();
    }

    /** The key buffer of a layer, {@code [slots, kv_heads, capacity, head_dim]}. */
    NDArray keys(int layer) {
        return keys[layer];
    }

    /** The value buffer of a layer, {@code [slots, kv_heads, capacity, head_dim]}. */
    NDArray values(int layer) {
        return values[layer];
    }

    private void ensureSlots(int needed) {
        if (needed <= slots) {
            return;
        }
        if (needed > maxSlots) {
            throw new IllegalStateException(
                    "All " + maxSlots + " KV cache slots of " + capacity + " tokens are taken");
        }
        int grown = Math.min(maxSlots, Math.max(needed, slots + Math.max(4, slots / 4)));
        NDManager next = parent.newSubManager();
        Shape shape = new Shape(grown, config.numKeyValueHeads(), capacity, config.headDim());
        int layers = config.numHiddenLayers();
        NDArray[] nextKeys = new NDArray[layers];
        NDArray[] nextValues = new NDArray[layers];
        NDIndex kept = new NDIndex(":{}", slots);
        for (int layer = 0; layer < layers; layer++) {
            nextKeys[layer] = next.zeros(shape);
            nextValues[layer] = next.zeros(shape);
            if (slots > 0) {
                nextKeys[layer].set(kept, keys[layer]);
                nextValues[layer].set(kept, values[layer]);
            }
        }
        close();
        manager = next;
        keys = nextKeys;
        values = nextValues;
        slots = grown;
    }

    /** Frees the buffers; slots still taken become unusable. */
    @Override
    public void close() {
        if (manager != null) {
            manager.close();
            manager = null;
            keys = null;
            values = null;
            slots = 0;
        }
    }
}
