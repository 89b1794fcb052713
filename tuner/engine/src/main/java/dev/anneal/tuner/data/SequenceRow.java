package dev.anneal.tuner.data;

/**
 * One row of a training batch before padding: one example, or several packed ones, as inputs and
 * next-token labels.
 *
 * <p>An example of {@code n} tokens fills {@code n - 1} positions: position {@code t} reads token
 * {@code t} and predicts token {@code t + 1}. All arrays have one entry per position.
 *
 * @param inputIds the tokens read
 * @param labels the tokens to predict
 * @param counted whether each label counts in the loss
 * @param positionIds each position's index within its own example (restarting at 0 per example)
 * @param segmentIds which example of the row each position belongs to, from 0
 */
public record SequenceRow(
        long[] inputIds, long[] labels, boolean[] counted, int[] positionIds, int[] segmentIds) {

    /** Checks that the arrays have the same length. */
    public SequenceRow {
        int n = inputIds.length;
        if (labels.length != n
                || counted.length != n
                || positionIds.length != n
                || segmentIds.length != n) {
            throw new IllegalArgumentException("Row arrays differ in length");
        }
    }

    /** Positions in the row. */
    public int length() {
        return inputIds.length;
    }

    /** Labels counted in the loss. */
    public int countedTokens() {
        int count = 0;
        for (boolean c : counted) {
            count += c ? 1 : 0;
        }
        return count;
    }
}
