package dev.anneal.tuner.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.loss.MaskedCrossEntropyLoss;
import java.util.List;

/**
 * Validation: the loss and token accuracy of a model over a whole set of rows, without autograd.
 */
public final class Evaluator {

    /**
     * The result.
     *
     * @param loss mean cross-entropy over the counted tokens
     * @param tokenAccuracy fraction of counted tokens ranked first
     * @param tokens counted tokens
     */
    public record Evaluation(double loss, double tokenAccuracy, long tokens) {}

    private Evaluator() {}

    /**
     * Evaluates, in the rows' order.
     *
     * @param model the model in training
     * @param rows the validation rows, at least one
     * @param batchSize rows per forward pass
     * @param packed whether rows hold several examples
     * @param parent the manager under which each batch's manager is created
     * @return loss and accuracy
     */
    public static Evaluation evaluate(
            TrainableModel model,
            List<SequenceRow> rows,
            int batchSize,
            boolean packed,
            NDManager parent) {
        double lossSum = 0;
        long correct = 0;
        long tokens = 0;
        for (int start = 0; start < rows.size(); start += batchSize) {
            Batch batch =
                    Batch.collate(
                            rows.subList(start, Math.min(rows.size(), start + batchSize)), packed);
            try (NDManager manager = parent.newSubManager()) {
                Batch.Arrays arrays = batch.toArrays(manager);
                NDArray logits =
                        model.model()
                                .forward(
                                        model.parameterStore(),
                                        arrays.inputIds(),
                                        arrays.positionIds(),
                                        arrays.segmentIds(),
                                        false);
                lossSum +=
                        MaskedCrossEntropyLoss.sum(logits, arrays.labels(), arrays.lossMask())
                                .getFloat();
                correct +=
                        MaskedCrossEntropyLoss.correctTokens(
                                logits, arrays.labels(), arrays.lossMask());
                tokens += batch.countedTokens();
            }
        }
        return new Evaluation(lossSum / tokens, (double) correct / tokens, tokens);
    }
}
