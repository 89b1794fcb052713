package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The examples of packed rows as runs of consecutive positions, so that attention can be computed
 * within each example only (as variable-length attention kernels do) instead of over the whole row
 * with a block-diagonal mask: the same result, since a masked score's weight is exactly 0, at the
 * cost of {@code Σ length²} scores per row instead of {@code row²}, but one attention per run
 * instead of one per batch. {@link #perExampleCheaper()} weighs the two.
 *
 * <p>A run is a maximal stretch of equal segment ids. The padding at a row's end (segment {@code
 * -1}) joins the run before it: no loss reads its outputs, and causal attention keeps the example
 * from seeing it, so a row of one example and padding is not split. Immutable; the masks it hands
 * out are views owned by the caller's manager.
 */
final class PackedSpans {

    /** The segment id of padding positions. */
    static final long PADDING = -1;

    /**
     * What one more attention call costs, counted in attention scores: the fixed work of a call
     * (about ten operator launches, forward and backward) is worth about this many scores of a
     * small model's head dimensions on a CPU core.
     */
    static final long SCORES_PER_CALL = 4096;

    private final long[][] runs;
    private final int seq;
    private final LongFunction<NDArray> causalMask;

    /**
     * Finds the runs.
     *
     * @param segmentIds {@code [batch, seq]} row-major, the example each position belongs to
     * @param batch rows
     * @param seq positions per row
     * @param causalMask the additive causal mask {@code [n, n]} of a run of {@code n > 1}
     *     positions, in the current step's manager
     */
    PackedSpans(long[] segmentIds, int batch, int seq, LongFunction<NDArray> causalMask) {
        this.runs = new long[batch][];
        for (int row = 0; row < batch; row++) {
            List<Long> lengths = new ArrayList<>();
            int start = 0;
            for (int t = 1; t <= seq; t++) {
                if (t == seq || segmentIds[row * seq + t] != segmentIds[row * seq + t - 1]) {
                    boolean padding = segmentIds[row * seq + start] == PADDING;
                    if (padding && !lengths.isEmpty()) {
                        lengths.set(
                                lengths.size() - 1, lengths.get(lengths.size() - 1) + t - start);
                    } else {
                        lengths.add((long) (t - start));
                    }
                    start = t;
                }
            }
            runs[row] = lengths.stream().mapToLong(Long::longValue).toArray();
        }
        this.seq = seq;
        this.causalMask = causalMask;
    }

    /**
     * Whether attending run by run costs less than one attention over each whole row with a
     * block-diagonal mask: long rows of several examples gain by it, short rows (a DPO pair's two
     * sides, say) lose more to the calls than they save in scores.
     */
    boolean perExampleCheaper() {
        long wholeRows = (long) runs.length * seq * seq;
        long perExample = 0;
        for (long[] lengths : runs) {
            for (long length : lengths) {
                perExample += length * length + SCORES_PER_CALL;
            }
        }
        return perExample < wholeRows;
    }

    /**
     * Applies causal attention within each run of each row and puts the rows back together.
     *
     * @param q {@code [batch, heads, seq, head_dim]}
     * @param k {@code [batch, kv_heads, seq, head_dim]}
     * @param v {@code [batch, kv_heads, seq, head_dim]}
     * @param attend causal attention of one run: {@code q, k, v} of {@code [1, *, n, head_dim]} and
     *     the mask {@code [n, n]} (or {@code null} when {@code n} is 1) to {@code [1, n, hidden]}
     * @return {@code [batch, seq, heads * head_dim]}
     */
    NDArray attend(NDArray q, NDArray k, NDArray v, RunAttention attend) {
        NDList qRows = rows(q);
        NDList kRows = rows(k);
        NDList vRows = rows(v);
        NDList outputs = new NDList(runs.length);
        for (int row = 0; row < runs.length; row++) {
            long[] lengths = runs[row];
            if (lengths.length == 1) {
                outputs.add(
                        attend.apply(
                                qRows.get(row), kRows.get(row), vRows.get(row), mask(lengths[0])));
                continue;
            }
            long[] cuts = new long[lengths.length - 1];
            long at = 0;
            for (int i = 0; i < cuts.length; i++) {
                at += lengths[i];
                cuts[i] = at;
            }
            // split's gradient is one concatenation, where slices would each add a zero-filled copy
            NDList qRuns = qRows.get(row).split(cuts, 2);
            NDList kRuns = kRows.get(row).split(cuts, 2);
            NDList vRuns = vRows.get(row).split(cuts, 2);
            NDList contexts = new NDList(lengths.length);
            for (int i = 0; i < lengths.length; i++) {
                contexts.add(
                        attend.apply(qRuns.get(i), kRuns.get(i), vRuns.get(i), mask(lengths[i])));
            }
            outputs.add(NDArrays.concat(contexts, 1));
        }
        return outputs.size() == 1 ? outputs.get(0) : NDArrays.concat(outputs, 0);
    }

    /** Whether some row holds more than one run (otherwise a plain causal pass is the same). */
    boolean anyRowSplit() {
        return Arrays.stream(runs).anyMatch(lengths -> lengths.length > 1);
    }

    private NDArray mask(long length) {
        return length > 1 ? causalMask.apply(length) : null;
    }

    private static NDList rows(NDArray x) {
        long batch = x.getShape().get(0);
        return batch == 1 ? new NDList(x) : x.split(batch, 0);
    }

    /** Causal attention over one run of one row. */
    @FunctionalInterface
    interface RunAttention {

        /**
         * Attends.
         *
         * @param q {@code [1, heads, n, head_dim]}
         * @param k {@code [1, kv_heads, n, head_dim]}
         * @param v {@code [1, kv_heads, n, head_dim]}
         * @param mask additive causal mask {@code [n, n]}, or {@code null} when {@code n} is 1
         * @return {@code [1, n, heads * head_dim]}
         */
        NDArray apply(NDArray q, NDArray k, NDArray v, NDArray mask);
    }
}
