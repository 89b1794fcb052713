package dev.anneal.tuner.recipe;

import java.nio.file.Path;

/**
 * What a finished (or stopped) run leaves.
 *
 * @param steps the last step done
 * @param lastTrainLoss the loss of the last applied step, NaN if none
 * @param validationLoss the final validation loss, NaN without a validation set
 * @param tokenAccuracy the final validation token accuracy, NaN without a validation set
 * @param checkpoint the folder of the last checkpoint
 */
public record TrainingResult(
        int steps,
        double lastTrainLoss,
        double validationLoss,
        double tokenAccuracy,
        Path checkpoint) {}
