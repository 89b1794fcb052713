package dev.anneal.tuner.data;

import java.util.Locale;

/**
 * The training data does not fit the memory a run may give it: reading it further would exhaust the
 * heap that other jobs and the process itself share. Not a fault of the data as such: a worker with
 * more memory may hold it.
 */
public final class TrainingDataTooLargeException extends RuntimeException {

    /**
     * @param examples the examples read when the budget was passed
     * @param budget the budget, in bytes
     */
    public TrainingDataTooLargeException(int examples, long budget) {
        super(
                String.format(
                        Locale.ROOT,
                        "The training data does not fit this worker's memory: its first %d"
                                + " examples already take more than the %d MiB of token ids one job"
                                + " may hold here. Train on a smaller file, or on a worker with"
                                + " more memory.",
                        examples,
                        budget >> 20));
    }
}
