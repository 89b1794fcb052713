package dev.anneal.tuner.train;

import ai.djl.ndarray.NDArray;
import dev.anneal.tuner.data.Batch;
import java.util.Map;

/**
 * How a method scores a batch of one data set: the part of a training step, and of validation, that
 * differs between the recipes.
 *
 * <p>A step's (or a validation set's) loss is the sum of its batches' {@link Sums#loss} divided by
 * the sum of their {@link #weight}s, so that gradient accumulation equals one large batch; its
 * metrics are averaged the same way.
 */
public interface BatchLoss {

    /**
     * What one batch contributes.
     *
     * @param loss {@code []}, the summed loss, differentiable with respect to the logits
     * @param metrics the summed metrics by name, in a fixed order; empty for methods without any
     */
    record Sums(NDArray loss, Map<String, Double> metrics) {}

    /**
     * The batch's weight in means: its counted tokens (cross-entropy) or its pairs (DPO).
     *
     * @param batch the batch
     * @return a positive count
     */
    int weight(Batch batch);

    /**
     * Scores a batch.
     *
     * @param logits {@code [rows, seq, vocab]}, the model's output on the batch
     * @param batch the batch
     * @param arrays its arrays, in the manager of the current step
     * @return the summed loss and metrics
     */
    Sums sums(NDArray logits, Batch batch, Batch.Arrays arrays);

    /**
     * The labels token accuracy counts.
     *
     * @param batch the batch
     * @param arrays its arrays, in the manager of the current step
     * @return {@code [rows, seq]} float32, 1 where the label counts
     */
    NDArray accuracyMask(Batch batch, Batch.Arrays arrays);
}
