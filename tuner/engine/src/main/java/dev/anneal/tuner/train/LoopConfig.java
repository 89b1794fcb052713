package dev.anneal.tuner.train;

/**
 * The {@code training} section of a recipe: how many steps, how big, how often to evaluate and
 * save.
 *
 * @param maxSteps {@code max_steps}: optimiser steps in the run (required)
 * @param batchSize {@code batch_size}: rows per micro-batch (default 8). With {@code data.packing}
 *     a row holds as many whole examples as fit in {@code data.max_seq_length} positions, so a
 *     batch is {@code batch_size} rows of packed tokens, not {@code batch_size} examples; without
 *     it, a row is one example
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: micro-batches per optimiser
 *     step (default 1)
 * @param evalEvery {@code eval_every}: validate every this many steps and at the end; 0 for at the
 *     end only (default 0)
 * @param checkpointEvery {@code checkpoint_every}: save a checkpoint every this many steps and at
 *     the end; 0 for at the end only (default 0)
 */
public record LoopConfig(
        int maxSteps,
        int batchSize,
        int gradientAccumulationSteps,
        int evalEvery,
        int checkpointEvery) {

    /** Validates the section; messages name the key. */
    public LoopConfig {
        if (maxSteps <= 0) {
            throw new IllegalArgumentException(
                    "training.max_steps must be positive, got " + maxSteps);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException(
                    "training.batch_size must be positive, got " + batchSize);
        }
        if (gradientAccumulationSteps <= 0) {
            throw new IllegalArgumentException(
                    "training.gradient_accumulation_steps must be positive, got "
                            + gradientAccumulationSteps);
        }
        if (evalEvery < 0) {
            throw new IllegalArgumentException(
                    "training.eval_every must not be negative, got " + evalEvery);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException(
                    "training.checkpoint_every must not be negative, got " + checkpointEvery);
        }
    }

    /**
     * {@code maxSteps} optimiser steps of one micro-batch of {@code batchSize} rows each, validated
     * and checkpointed at the end only.
     */
    public static LoopConfig steps(int maxSteps, int batchSize) {
        return new LoopConfig(maxSteps, batchSize, 1, 0, 0);
    }

    /** This loop with {@code steps} micro-batches per optimiser step. */
    public LoopConfig withGradientAccumulationSteps(int steps) {
        return new LoopConfig(maxSteps, batchSize, steps, evalEvery, checkpointEvery);
    }

    /** This loop validating every {@code every} steps and at the end (0: at the end only). */
    public LoopConfig withEvalEvery(int every) {
        return new LoopConfig(
                maxSteps, batchSize, gradientAccumulationSteps, every, checkpointEvery);
    }

    /** This loop checkpointing every {@code every} steps and at the end (0: at the end only). */
    public LoopConfig withCheckpointEvery(int every) {
        return new LoopConfig(maxSteps, batchSize, gradientAccumulationSteps, evalEvery, every);
    }
}
