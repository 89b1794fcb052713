package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The caches of the rows of one decoding step, arranged so that attention runs once per {@link
 * KvSlots} the rows' caches live in (usually one) rather than once per row.
 *
 * <p>For each group of rows sharing buffers, every layer writes the rows' new keys and values with
 * one indexed write, then attends over a view of the occupied slots up to the longest row: each
 * row's query sits in its slot, keys past a row's own length are masked, and slots of sequences not
 * decoding in this step get a zero query whose context is dropped. The indices and masks are built
 * once per step, here, not per layer.
 */
final class KvRows {

    private final List<KvCache> caches;
    private final List<Group> groups;
    private final NDArray order;

    /**
     * Plans a step.
     *
     * @param caches each row's cache, of batch size 1, with room for one more token
     * @param maskFill the additive value of a masked key
     * @param manager the step's manager
     */
    KvRows(List<KvCache> caches, float maskFill, NDManager manager) {
        this.caches = caches;
        Map<KvSlots, List<Integer>> bySlots = new IdentityHashMap<>();
        for (int row = 0; row < caches.size(); row++) {
            KvCache cache = caches.get(row);
            if (cache.batchSize() != 1) {
                throw new IllegalArgumentException(
                        "Each row needs a cache of batch size 1, got " + cache.batchSize());
            }
            cache.requireRoom(1);
            bySlots.computeIfAbsent(cache.slots(), s -> new ArrayList<>()).add(row);
        }
        this.groups = new ArrayList<>(bySlots.size());
        int[] grouped = new int[caches.size()];
        int next = 0;
        for (Map.Entry<KvSlots, List<Integer>> entry : bySlots.entrySet()) {
            groups.add(new Group(entry.getKey(), entry.getValue(), caches, maskFill, manager));
            for (int row : entry.getValue()) {
                grouped[next++] = row;
            }
        }
        this.order = groups.size() == 1 ? null : inverse(grouped, manager);
    }

    /**
     * Stores one layer's new keys and values of every row and attends.
     *
     * @param attention the products of queries over keys and values with an additive mask {@code
     *     [slots, 1, 1, 1, keys]}, giving {@code [slots, kv_heads, heads / kv_heads, head_dim]}
     * @param q the rows' scaled, rotated queries {@code [rows, heads, 1, head_dim]}
     * @param k the rows' rotated keys {@code [rows, kv_heads, 1, head_dim]}
     * @param v the rows' values {@code [rows, kv_heads, 1, head_dim]}
     * @return each row's context, {@code [rows, heads, 1, head_dim]} in memory order
     */
    NDArray attend(int layer, Attend attention, NDArray q, NDArray k, NDArray v) {
        NDList contexts = new NDList(groups.size());
        for (Group group : groups) {
            contexts.add(group.attend(layer, attention, q, k, v));
        }
        if (order == null) {
            return contexts.singletonOrThrow();
        }
        return NDArrays.concat(contexts, 0).get(new NDIndex("{}", order));
    }

    /** Marks the step's token as cached in every row's cache. */
    void advance() {
        caches.forEach(cache -> cache.advance(1));
    }

    /** Attention products over keys and values that a mask restricts. */
    @FunctionalInterface
    interface Attend {
        NDArray apply(NDArray q, NDArray k, NDArray v, NDArray mask);
    }

    private static NDArray inverse(int[] grouped, NDManager manager) {
        long[] position = new long[grouped.length];
        for (int i = 0; i < grouped.length; i++) {
            position[grouped[i]] = i;
        }
        return manager.create(position);
    }

    /** The rows whose caches share one {@link KvSlots}. */
    private static final class Group {

        private final KvSlots slots;
        private final NDArray rows;
        private final NDIndex cells;
        private final NDArray slotIndex;
        private final boolean slotOrder;
        private final int span;
        private final int keys;
        private final NDArray mask;
        private final long count;

        Group(
                KvSlots slots,
                List<Integer> rows,
                List<KvCache> caches,
                float maskFill,
                NDManager manager) {
            this.slots = slots;
            this.count = rows.size();
            this.span = slots.span();
            long[] slotOf = new long[rows.size()];
            long[] positionOf = new long[rows.size()];
            int longest = 0;
            boolean inOrder = rows.size() == span;
            for (int i = 0; i < rows.size(); i++) {
                KvCache cache = caches.get(rows.get(i));
                slotOf[i] = cache.slot();
                positionOf[i] = cache.length();
                longest = Math.max(longest, cache.length() + 1);
                inOrder &= cache.slot() == i;
            }
            this.keys = longest;
            this.slotOrder = inOrder;
            boolean allRows = rows.size() == caches.size();
            for (int i = 0; allRows && i < rows.size(); i++) {
                allRows = rows.get(i) == i;
            }
            this.rows = allRows ? null : manager.create(rows.stream().mapToLong(r -> r).toArray());
            this.slotIndex = manager.create(slotOf);
            this.cells = new NDIndex("{}, :, {}", slotIndex, manager.create(positionOf));
            this.mask = mask(slotOf, positionOf, maskFill, manager);
        }

        /**
         * {@code [span, 1, 1, 1, keys]}: 0 where a slot's row may attend, the fill elsewhere; a
         * slot without a row of this step attends to its first key only, so that its (dropped)
         * softmax stays finite.
         */
        private NDArray mask(long[] slotOf, long[] positionOf, float fill, NDManager manager) {
            float[] additive = new float[span * keys];
            Arrays.fill(additive, fill);
            for (int slot = 0; slot < span; slot++) {
                additive[slot * keys] = 0;
            }
            for (int i = 0; i < slotOf.length; i++) {
                int base = (int) slotOf[i] * keys;
                Arrays.fill(additive, base, base + (int) positionOf[i] + 1, 0);
            }
            return manager.create(additive, new Shape(span, 1, 1, 1, keys));
        }

        NDArray attend(int layer, Attend attention, NDArray q, NDArray k, NDArray v) {
            if (rows != null) {
                NDIndex mine = new NDIndex("{}", rows);
                q = q.get(mine);
                k = k.get(mine);
                v = v.get(mine);
            }
            Shape cell = new Shape(count, k.getShape().get(1), k.getShape().get(3));
            slots.keys(layer).set(cells, k.reshape(cell));
            slots.values(layer).set(cells, v.reshape(cell));
            NDIndex occupied = new NDIndex(":{}, :, :{}", span, keys);
            NDArray allKeys = slots.keys(layer).get(occupied);
            NDArray allValues = slots.values(layer).get(occupied);
            NDArray queries = q;
            if (!slotOrder) {
                queries = q.getManager().zeros(new Shape(span).addAll(q.getShape().slice(1)));
                queries.set(new NDIndex("{}", slotIndex), q);
            }
            NDArray context = attention.apply(queries, allKeys, allValues, mask);
            return slotOrder ? context : context.get(new NDIndex("{}", slotIndex));
        }
    }
}
