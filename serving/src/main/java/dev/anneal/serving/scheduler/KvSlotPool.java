package dev.anneal.serving.scheduler;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.model.KvCache;
import dev.anneal.tuner.model.KvSlots;
import dev.anneal.tuner.model.LlamaConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * The KV-cache buffers of one scheduler's sequences: sequences whose capacities round up to the
 * same size class share one {@link KvSlots}, so that a decoding step attends for each class with
 * one product per layer.
 *
 * <p>A class is the power of two at or above a sequence's capacity (at least {@value #SMALLEST}),
 * or the model's whole context when that is smaller; a class larger than the budget falls back to
 * the exact capacity. A sequence reserves its class's tokens of the budget, so the budget counts
 * the memory its slot really holds. Engine thread only.
 */
final class KvSlotPool implements AutoCloseable {

    static final int SMALLEST = 16;

    private final NDManager manager;
    private final int budgetTokens;
    private final Map<Integer, KvSlots> byClass = new HashMap<>();

    /**
     * @param manager the engine thread's manager, under which the buffers are allocated
     * @param budgetTokens the scheduler's KV-cache budget, in tokens
     */
    KvSlotPool(NDManager manager, int budgetTokens) {
        this.manager = manager;
        this.budgetTokens = budgetTokens;
    }

    /**
     * The tokens a sequence's slot holds.
     *
     * @param capacity the sequence's capacity (prompt plus most new tokens)
     * @param context the model's {@code max_position_embeddings}
     * @param budgetTokens the KV-cache budget
     */
    static int slotTokens(int capacity, int context, int budgetTokens) {
        int rounded = Math.max(SMALLEST, Integer.highestOneBit(Math.max(1, capacity - 1)) << 1);
        int slot = Math.max(capacity, Math.min(rounded, context));
        return slot <= budgetTokens ? slot : capacity;
    }

    /**
     * Takes a slot of the sequence's class.
     *
     * @param slotTokens the class, from {@link #slotTokens}
     * @return the sequence's empty cache; closing it gives the slot back
     */
    KvCache acquire(LlamaConfig config, int slotTokens) {
        return byClass.computeIfAbsent(
                        slotTokens,
                        tokens ->
                                new KvSlots(
                                        manager,
                                        config,
                                        tokens,
                                        Math.max(1, budgetTokens / tokens)))
                .acquire();
    }

    @Override
    public void close() {
        byClass.values().forEach(KvSlots::close);
        byClass.clear();
    }
}
