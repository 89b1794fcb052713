package dev.anneal.tuner.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Next-token cross-entropy (natural log) restricted to the positions a loss mask selects: assistant
 * or completion tokens in supervised fine-tuning, every real token in pre-training.
 *
 * <p>{@code loss = sum_{b,t} mask[b,t] * -log softmax(logits[b,t])[labels[b,t]] / sum(mask)}: a
 * mean over counted tokens, not over rows, so that every target token weighs the same whatever the
 * length of its example (as Hugging Face's {@code ignore_index} masking does). With gradient
 * accumulation, divide each micro-batch's {@link #sum} by the token count of the whole step to get
 * exactly the loss of the step's batch.
 *
 * <p>Every operation keeps the logits as first operand, so results belong to the step's manager,
 * and none uses a scalar overload (see docs/djl-facts.md).
 */
public final class MaskedCrossEntropyLoss {

    private MaskedCrossEntropyLoss() {}

    /**
     * The summed negative log-likelihood of the counted labels.
     *
     * @param logits {@code [batch, seq, vocab]}
     * @param labels {@code [batch, seq]} int64, the token each position should predict
     * @param mask {@code [batch, seq]} float32, 1 where the label counts, 0 elsewhere
     * @return a scalar {@code []}, differentiable with respect to the logits
     */
    public static NDArray sum(NDArray logits, NDArray labels, NDArray mask) {
        NDArray picked = logits.logSoftmax(2).gather(labels.expandDims(2), 2).squeeze(2);
        return picked.mul(mask).sum().neg();
    }

    /**
     * The mean negative log-likelihood over the counted labels.
     *
     * @param logits {@code [batch, seq, vocab]}
     * @param labels {@code [batch, seq]} int64
     * @param mask {@code [batch, seq]} float32, with at least one 1
     * @return a scalar {@code []}
     */
    public static NDArray mean(NDArray logits, NDArray labels, NDArray mask) {
        return sum(logits, labels, mask).div(mask.sum());
    }

    /**
     * How many counted labels the model ranks first (greedy token accuracy's numerator). Not
     * differentiable; read it outside autograd.
     *
     * @param logits {@code [batch, seq, vocab]}
     * @param labels {@code [batch, seq]} int64
     * @param mask {@code [batch, seq]} float32
     * @return the number of counted positions whose arg-max logit is the label
     */
    public static long correctTokens(NDArray logits, NDArray labels, NDArray mask) {
        NDArray hits = logits.argMax(2).eq(labels).toType(DataType.FLOAT32, false);
        return Math.round(hits.mul(mask).sum().getFloat());
    }
}
