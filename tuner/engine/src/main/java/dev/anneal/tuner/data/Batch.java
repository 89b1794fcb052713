package dev.anneal.tuner.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A training batch in Java arrays, rows right-padded to the longest: row-major {@code [rows,
 * length]}. Padding reads token 0, predicts nothing (mask 0) and, in packed batches, forms a
 * segment of its own ({@code -1}).
 *
 * @param rows the number of rows
 * @param length positions per row
 * @param inputIds {@code [rows, length]}
 * @param labels {@code [rows, length]}
 * @param lossMask {@code [rows, length]}, 1 where the label counts
 * @param positionIds {@code [rows, length]}, or {@code null} when rows are not packed (positions
 *     are then {@code 0..length-1})
 * @param segmentIds {@code [rows, length]}, or {@code null} when rows are not packed
 * @param realPositions positions that are not padding
 * @param sources {@code [rows]}, each row's index in its data set (the list it was collated from)
 */
public record Batch(
        int rows,
        int length,
        long[] inputIds,
        long[] labels,
        float[] lossMask,
        long[] positionIds,
        long[] segmentIds,
        long realPositions,
        int[] sources) {

    /**
     * The batch as arrays of the current step.
     *
     * @param inputIds {@code [rows, length]} int64
     * @param labels {@code [rows, length]} int64
     * @param lossMask {@code [rows, length]} float32
     * @param positionIds {@code [rows, length]} int64, or {@code null}
     * @param segmentIds {@code [rows, length]} int64, or {@code null}
     */
    public record Arrays(
            NDArray inputIds,
            NDArray labels,
            NDArray lossMask,
            NDArray positionIds,
            NDArray segmentIds) {}

    /**
     * Pads a whole data set into one batch, in order.
     *
     * @param rows the rows, at least one
     * @param packed whether to keep position and segment ids (rows holding several examples)
     * @return the batch
     */
    public static Batch collate(List<SequenceRow> rows, boolean packed) {
        return collate(rows, IntStream.range(0, rows.size()).toArray(), packed);
    }

    /**
     * Pads some rows of a data set into a batch.
     *
     * @param dataSet the data set's rows
     * @param indices the indices of the rows to take, in batch order, at least one
     * @param packed whether to keep position and segment ids (rows holding several examples)
     * @return the batch
     */
    public static Batch collate(List<SequenceRow> dataSet, int[] indices, boolean packed) {
        List<SequenceRow> rows = new ArrayList<>(indices.length);
        for (int index : indices) {
            rows.add(dataSet.get(index));
        }
        int length = 0;
        for (SequenceRow row : rows) {
            length = Math.max(length, row.length());
        }
        int count = rows.size();
        long real = 0;
        long[] inputIds = new long[count * length];
        long[] labels = new long[count * length];
        float[] mask = new float[count * length];
        long[] positions = packed ? new long[count * length] : null;
        long[] segments = packed ? new long[count * length] : null;
        for (int r = 0; r < count; r++) {
            SequenceRow row = rows.get(r);
            real += row.length();
            for (int t = 0; t < length; t++) {
                int at = r * length + t;
                boolean inRow = t < row.length();
                inputIds[at] = inRow ? row.inputIds()[t] : 0;
                labels[at] = inRow ? row.labels()[t] : 0;
                mask[at] = inRow && row.counted()[t] ? 1f : 0f;
                if (packed) {
                    positions[at] = inRow ? row.positionIds()[t] : t;
                    segments[at] = inRow ? row.segmentIds()[t] : -1;
                }
            }
        }
        return new Batch(
                count, length, inputIds, labels, mask, positions, segments, real, indices.clone());
    }

    /** Labels counted in the loss. */
    public int countedTokens() {
        int count = 0;
        for (float m : lossMask) {
            count += m > 0 ? 1 : 0;
        }
        return count;
    }

    /**
     * Creates the arrays in a manager.
     *
     * @param manager the step's manager
     * @return the arrays
     */
    public Arrays toArrays(NDManager manager) {
        Shape shape = new Shape(rows, length);
        return new Arrays(
                manager.create(inputIds, shape),
                manager.create(labels, shape),
                manager.create(lossMask, shape),
                positionIds == null ? null : manager.create(positionIds, shape),
                segmentIds == null ? null : manager.create(segmentIds, shape));
    }
}
