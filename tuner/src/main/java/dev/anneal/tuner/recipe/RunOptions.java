package dev.anneal.tuner.recipe;

import java.nio.file.Path;

/**
 * How to run a recipe, beyond what its configuration says.
 *
 * @param resumeFrom a checkpoint folder to continue from, or {@code null} to start afresh
 * @param stopAfterStep stop (with a checkpoint) once this step is done, before {@code max_steps};
 *     the schedule still spans {@code max_steps}, as for a run that is interrupted
 */
public record RunOptions(Path resumeFrom, int stopAfterStep) {

    /** Start afresh and run to {@code max_steps}. */
    public static final RunOptions DEFAULT = new RunOptions(null, Integer.MAX_VALUE);

    /** Checks the step. */
    public RunOptions {
        if (stopAfterStep <= 0) {
            throw new IllegalArgumentException(
                    "stopAfterStep must be positive, got " + stopAfterStep);
        }
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
}
