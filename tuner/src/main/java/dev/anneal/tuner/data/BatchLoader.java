package dev.anneal.tuner.data;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Serves batches of rows over and over, each epoch in a shuffled order that depends only on the
 * seed and the epoch, so that any {@link DataPosition} can be returned to exactly.
 *
 * <p>An epoch's last batch may be smaller. Not thread-safe.
 */
public final class BatchLoader {

    private final List<SequenceRow> rows;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean packed;
    private int[] order;
    private int epoch;
    private int cursor;

    /**
     * Creates the loader at the start of the data.
     *
     * @param rows the rows, at least one
     * @param batchSize rows per batch, positive
     * @param shuffle whether to shuffle each epoch (otherwise rows come in order)
     * @param seed the seed of the shuffles
     * @param packed whether batches keep position and segment ids
     */
    public BatchLoader(
            List<SequenceRow> rows, int batchSize, boolean shuffle, long seed, boolean packed) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("data: no usable example");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException(
                    "training.batch_size must be positive, got " + batchSize);
        }
        this.rows = List.copyOf(rows);
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.packed = packed;
        seek(DataPosition.START);
    }

    /**
     * Reads the next batch, moving to the next epoch after the last row.
     *
     * @return the batch
     */
    public Batch next() {
        int end = Math.min(cursor + batchSize, rows.size());
        int[] chosen = Arrays.copyOfRange(order, cursor, end);
        cursor = end;
        if (cursor == rows.size()) {
            seek(new DataPosition(epoch + 1, 0));
        }
        return Batch.collate(rows, chosen, packed);
    }

    /** Where the next batch starts. */
    public DataPosition position() {
        return new DataPosition(epoch, cursor);
    }

    /**
     * Moves to a saved position.
     *
     * @param position where the next batch should start
     */
    public void seek(DataPosition position) {
        if (position.cursor() >= rows.size()) {
            throw new IllegalArgumentException(
                    "Data position " + position + " is past the " + rows.size() + " rows");
        }
        if (order == null || position.epoch() != epoch) {
            order = permutation(position.epoch());
        }
        epoch = position.epoch();
        cursor = position.cursor();
    }

    /** Batches in one epoch. */
    public int batchesPerEpoch() {
        return (rows.size() + batchSize - 1) / batchSize;
    }

    private int[] permutation(int epochIndex) {
        int[] permutation = new int[rows.size()];
        for (int i = 0; i < permutation.length; i++) {
            permutation[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epochIndex);
            for (int i = permutation.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = swap;
            }
        }
        return permutation;
    }
}
