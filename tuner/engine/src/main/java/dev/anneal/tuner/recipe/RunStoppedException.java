package dev.anneal.tuner.recipe;

/** A run ended early because {@link RunOptions#stopRequested()} said so; nothing was saved. */
public class RunStoppedException extends RuntimeException {

    private final int step;

    public RunStoppedException(int step) {
        super("Training stopped on request after step " + step);
        this.step = step;
    }

    /** The last step completed. */
    public int step() {
        return step;
    }
}
