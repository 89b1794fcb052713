package dev.anneal.tuner.train;

/**
 * Training cannot go on: a non-finite loss or gradient with {@code stability.skip_non_finite} off,
 * or more loss spikes than {@code stability.max_rollbacks} allows.
 */
public class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened, at which step
     */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
