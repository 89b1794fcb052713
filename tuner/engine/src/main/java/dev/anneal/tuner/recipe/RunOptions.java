package dev.anneal.tuner.recipe;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * How to run a recipe, beyond what its configuration says.
 *
 * @param resumeFrom a checkpoint folder to continue from, or {@code null} to start afresh
 * @param stopAfterStep stop (with a checkpoint) once this step is done, before {@code max_steps};
 *     the schedule still spans {@code max_steps}, as for a run that is interrupted
 * @param stopRequested asked before each step and during preparation; once it answers true the run
 *     ends at once, without a checkpoint, by throwing {@link RunStoppedException} (a cancelled job,
 *     a worker that lost its lease)
 * @param heldDataBytes the most memory the run's training and validation examples may take as token
 *     ids; beyond it the run fails with {@link TrainingDataTooLargeException} instead of exhausting
 *     the heap. Default: a third of the JVM's maximum heap (the examples and the rows packed from
 *     them are both held at the peak)
 */
public record RunOptions(
        Path resumeFrom, int stopAfterStep, BooleanSupplier stopRequested, long heldDataBytes) {

    /** Start afresh and run to {@code max_steps}. */
    public static final RunOptions DEFAULT = new RunOptions(null, Integer.MAX_VALUE);

    /** Checks the step. */
    public RunOptions {
        if (stopAfterStep <= 0) {
            throw new IllegalArgumentException(
                    "stopAfterStep must be positive, got " + stopAfterStep);
        }
        Objects.requireNonNull(stopRequested, "stopRequested");
        if (heldDataBytes <= 0) {
            throw new IllegalArgumentException(
                    "heldDataBytes must be positive, got " + heldDataBytes);
        }
    }

    /** Options that are never asked to stop, with the default data budget. */
    public RunOptions(Path resumeFrom, int stopAfterStep) {
        this(resumeFrom, stopAfterStep, () -> false, Runtime.getRuntime().maxMemory() / 3);
    }

    /**
     * Options that continue from a checkpoint to the end.
     *
     * @param checkpoint the checkpoint folder
     * @return the options
     */
    public static RunOptions resumeFrom(Path checkpoint) {
        return new RunOptions(checkpoint, Integer.MAX_VALUE);
    }

    /** These options, also stopping when {@code signal} says so. */
    public RunOptions stoppingWhen(BooleanSupplier signal) {
        return new RunOptions(resumeFrom, stopAfterStep, signal, heldDataBytes);
    }

    /** These options, holding at most {@code bytes} of encoded examples. */
    public RunOptions holdingAtMost(long bytes) {
        return new RunOptions(resumeFrom, stopAfterStep, stopRequested, bytes);
    }

    /** Throws {@link RunStoppedException} if a stop was requested. */
    void checkStop(int step) {
        if (stopRequested.getAsBoolean()) {
            throw new RunStoppedException(step);
        }
    }
}
