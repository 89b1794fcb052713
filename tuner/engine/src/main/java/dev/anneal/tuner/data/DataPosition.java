package dev.anneal.tuner.data;

/**
 * Where a {@link BatchLoader} stands: the epoch and the index, in that epoch's shuffled order, of
 * the next row to read. Saved in checkpoints, so that a resumed run reads the same batches.
 *
 * @param epoch passes over the data completed, from 0
 * @param cursor the next row's index in the epoch's order
 */
public record DataPosition(int epoch, int cursor) {

    /** The start of the data. */
    public static final DataPosition START = new DataPosition(0, 0);

    /** Checks the values are not negative. */
    public DataPosition {
        if (epoch < 0 || cursor < 0) {
            throw new IllegalArgumentException("Bad data position " + epoch + ":" + cursor);
        }
    }
}
