package dev.anneal.tuner.train;

import dev.anneal.tuner.data.DataStats;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a training run reports, as typed values. Steps count optimiser steps from 1; after a
 * rollback, step numbers restart from the restored step.
 *
 * <p>Step and validation events carry, beside the loss, the metrics particular to a method, named
 * as TRL names them; DPO reports {@code rewards/chosen}, {@code rewards/rejected}, {@code
 * rewards/margins} (means over pairs of the implicit rewards and their difference) and {@code
 * rewards/accuracies} (the fraction of pairs whose chosen reward is the larger). Supervised
 * fine-tuning and pre-training report none.
 */
public sealed interface TrainingEvent {

    /**
     * The starting model's weights (and new adapters) are loaded; the data is prepared next.
     *
     * @param totalParameters elements in the model, adapters included
     */
    record ModelLoaded(long totalParameters) implements TrainingEvent {}

    /**
     * The run is set up and about to train.
     *
     * @param method sft, pretrain or dpo
     * @param lora whether LoRA adapters are trained (otherwise every weight is)
     * @param trainableParameters elements trained
     * @param totalParameters elements in the model, adapters included
     * @param trainData what data preparation did to the training set
     * @param validationData the same for the validation set, or {@code null} without one
     * @param startStep the step the run starts after (0, or the checkpoint's when resuming)
     * @param maxSteps the step the run ends at
     */
    record TrainingStarted(
            String method,
            boolean lora,
            long trainableParameters,
            long totalParameters,
            DataStats trainData,
            DataStats validationData,
            int startStep,
            int maxSteps)
            implements TrainingEvent {}

    /**
     * One optimiser step done.
     *
     * @param step the step
     * @param trainLoss the method's loss: mean cross-entropy over the step's counted tokens (nats),
     *     or for DPO the mean over the step's pairs
     * @param learningRate the learning rate used
     * @param gradNorm global gradient norm before clipping
     * @param tokensPerSecond input positions (padding excluded) processed per second in this step
     * @param tokens input positions in this step
     * @param metrics the method's metrics over the step, by name, in a fixed order; empty for
     *     methods without any
     */
    record StepMetrics(
            int step,
            double trainLoss,
            double learningRate,
            double gradNorm,
            double tokensPerSecond,
            long tokens,
            Map<String, Double> metrics)
            implements TrainingEvent {}

    /**
     * The validation set evaluated.
     *
     * @param step the step after which it was evaluated
     * @param loss the method's loss over the set, as in {@link StepMetrics#trainLoss}
     * @param tokenAccuracy the fraction of counted tokens the model ranks first (for DPO, the
     *     tokens of the chosen completions)
     * @param tokens the tokens {@code tokenAccuracy} counts
     * @param metrics the method's metrics over the set, as in {@link StepMetrics#metrics}
     */
    record ValidationMetrics(
            int step, double loss, double tokenAccuracy, long tokens, Map<String, Double> metrics)
            implements TrainingEvent {}

    /**
     * A checkpoint written.
     *
     * @param step the step it holds
     * @param directory its folder
     */
    record CheckpointSaved(int step, Path directory) implements TrainingEvent {}

    /** Why a step made no update. */
    enum SkipReason {
        /** The loss was NaN or infinite. */
        NON_FINITE_LOSS,
        /** A gradient was NaN or infinite. */
        NON_FINITE_GRADIENT
    }

    /**
     * A step skipped: its batch was read, no weight changed.
     *
     * @param step the step
     * @param reason why
     * @param loss the step's loss
     * @param gradNorm the step's gradient norm (NaN when not computed)
     */
    record StepSkipped(int step, SkipReason reason, double loss, double gradNorm)
            implements TrainingEvent {}

    /**
     * A loss spike: training went back to a snapshot, with a lower learning rate; the batches read
     * since are replayed, all but the offending step's.
     *
     * @param step the step whose loss spiked
     * @param loss its loss
     * @param runningMean the mean of the recent accepted losses it was compared with
     * @param restoredStep the step of the snapshot restored
     * @param learningRateScale the factor now applied to the schedule's learning rate
     */
    record RolledBack(
            int step, double loss, double runningMean, int restoredStep, double learningRateScale)
            implements TrainingEvent {}

    /**
     * The run ended.
     *
     * @param steps the last step
     * @param validationLoss the final validation loss, NaN without a validation set
     * @param checkpoint the final checkpoint's folder
     */
    record TrainingFinished(int steps, double validationLoss, Path checkpoint)
            implements TrainingEvent {}
}
