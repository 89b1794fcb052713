package dev.anneal.tuner.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.loss.MaskedCrossEntropyLoss;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Validation: a method's loss and metrics, and the token accuracy, of a model over a whole set of
 * rows, without autograd.
 */
public final class Evaluator {

    /**
     * The result.
     *
     * @param loss the method's loss over the set
     * @param tokenAccuracy fraction of the labels {@link BatchLoss#accuracyMask} selects that are
     *     ranked first
     * @param tokens the labels it selects
     * @param metrics the method's metrics, averaged over the set
     */
    public record Evaluation(
            double loss, double tokenAccuracy, long tokens, Map<String, Double> metrics) {}

    private Evaluator() {}

    /**
     * Evaluates, in the rows' order.
     *
     * @param model the model in training
     * @param rows the validation rows, at least one
     * @param batchSize rows per forward pass
     * @param packed whether batches keep position and segment ids
     * @param loss the method's loss over these rows
     * @param parent the manager under which each batch's manager is created
     * @return loss, accuracy and metrics
     */
    public static Evaluation evaluate(
            TrainableModel model,
            List<SequenceRow> rows,
            int batchSize,
            boolean packed,
            BatchLoss loss,
            NDManager parent) {
        double lossSum = 0;
        long weight = 0;
        long correct = 0;
        long tokens = 0;
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int start = 0; start < rows.size(); start += batchSize) {
            int[] indices =
                    IntStream.range(start, Math.min(rows.size(), start + batchSize)).toArray();
            Batch batch = Batch.collate(rows, indices, packed);
            try (NDManager manager = parent.newSubManager()) {
                Batch.Arrays arrays = batch.toArrays(manager);
                NDArray logits = model.logits(arrays, false);
                BatchLoss.Sums sums = loss.sums(logits, batch, arrays);
                lossSum += sums.loss().getFloat();
                sums.metrics().forEach((name, value) -> metrics.merge(name, value, Double::sum));
                weight += loss.weight(batch);
                NDArray counted = loss.accuracyMask(batch, arrays);
                correct += MaskedCrossEntropyLoss.correctTokens(logits, arrays.labels(), counted);
                tokens += Math.round(counted.sum().getFloat());
            }
        }
        long total = weight;
        metrics.replaceAll((name, sum) -> sum / total);
        return new Evaluation(
                lossSum / weight,
                (double) correct / tokens,
                tokens,
                Collections.unmodifiableMap(metrics));
    }
}
