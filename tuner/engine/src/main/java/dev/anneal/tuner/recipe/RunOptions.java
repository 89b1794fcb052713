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
 */
public record RunOptions(Path resumeFrom, int stopAfterStep, BooleanSupplier stopRequested) {

    /** Start afresh and run to {@code max_steps}. */
    public static final RunOptions DEFAULT = new RunOptions(null, Integer.MAX_VALUE);

    /** Checks the step. */
    public RunOptions {
        if (stopAfterStep <= 0) {
            throw new IllegalArgumentException(
                    "stopAfterStep must be positive, got " + stopAfterStep);
        }
        Objects.requireNonNull(stopRequested, "stopRequested");
    }

    /** Options that are never asked to stop. */
    public RunOptions(Path resumeFrom, int stopAfterStep) {
        this(resumeFrom, stopAfterStep, () -> false);
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
        return new RunOptions(resumeFrom, stopAfterStep, signal);
    }

    /** Throws {@link RunStoppedException} if a stop was requested. */
    void checkStop(int step) {
        if (stopRequested.getAsBoolean()) {
            throw new RunStoppedException(step);
        }
    }
}
