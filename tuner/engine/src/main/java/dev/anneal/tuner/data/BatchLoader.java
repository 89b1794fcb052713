package dev.anneal.tuner.data;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Serves batches of rows over and over, each epoch in a shuffled order that depends only on the
 * seed and the epoch, so that any {@link DataPosition} can be returned to exactly.
 *
 * <p>Batches marked with {@link #skip} (one that made the loss spike) are passed over whenever the
 * loader reaches them, so that the data replayed after a rollback leaves them out.
 *
 * <p>An epoch's last batch may be smaller. Not thread-safe.
 */
public final class BatchLoader {

    private final List<SequenceRow> rows;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean packed;
    private final Set<DataPosition> skipped = new LinkedHashSet<>();
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
            throw new InvalidTrainingDataException(null, "no usable example");
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
        int[] chosen = Arrays.copyOfRange(order, cursor, batchEnd());
        passBatch();
        passSkipped();
        return Batch.collate(rows, chosen, packed);
    }

    /** Where the next batch starts; never a skipped batch's start. */
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
        moveTo(position.epoch(), position.cursor());
        passSkipped();
    }

    /**
     * Marks a batch to be passed over from now on. Only this epoch's: the same rows served in a
     * later epoch are read.
     *
     * @param start where the batch starts, as {@link #position} gave it before reading it
     */
    public void skip(DataPosition start) {
        skipped.add(start);
        passSkipped();
    }

    /** The starts of the batches marked with {@link #skip}, in the order marked. */
    public List<DataPosition> skipped() {
        return List.copyOf(skipped);
    }

    /** Batches in one epoch. */
    public int batchesPerEpoch() {
        return (rows.size() + batchSize - 1) / batchSize;
    }

    private int batchEnd() {
        return Math.min(cursor + batchSize, rows.size());
    }

    /** Moves past the batch at the cursor, to the next epoch after the last row. */
    private void passBatch() {
        int end = batchEnd();
        if (end == rows.size()) {
            moveTo(epoch + 1, 0);
        } else {
            cursor = end;
        }
    }

    private void passSkipped() {
        while (skipped.contains(position())) {
            passBatch();
        }
    }

    private void moveTo(int epochIndex, int cursorIndex) {
        if (order == null || epochIndex != epoch) {
            order = permutation(epochIndex);
        }
        epoch = epochIndex;
        cursor = cursorIndex;
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
