package dev.anneal.tuner.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * The sigmoid loss of Direct Preference Optimization (<a
 * href="https://arxiv.org/abs/2305.18290">Rafailov et al., 2023</a>, equation 7).
 *
 * <p>With {@code pi} the policy's and {@code ref} the reference model's log-probability of a
 * completion given its prompt (summed over the completion's tokens), the implicit rewards are
 * {@code r_c = beta * (pi_c - ref_c)} for the chosen and {@code r_r = beta * (pi_r - ref_r)} for
 * the rejected completion, and the loss of a pair is {@code -log sigmoid(r_c - r_r)}, computed as
 * {@code -log_softmax([r_c, r_r])[0]} so that it stays finite for any margin.
 *
 * <p>Arrays pairing the two sides are {@code [pairs, 2]}, column 0 the chosen side, column 1 the
 * rejected. Every operation keeps the step's array as first operand and {@code beta} is a
 * long-lived array, not a scalar overload (see docs/djl-facts.md).
 */
public final class DpoLoss {

    private static final NDIndex CHOSEN = new NDIndex(":, 0");

    private DpoLoss() {}

    /**
     * The log-probability of each side's completion: the sum over its counted labels of {@code log
     * softmax(logits)[label]}.
     *
     * @param logits {@code [pairs, seq, vocab]}
     * @param labels {@code [pairs, seq]} int64
     * @param sides {@code [pairs, seq, 2]} float32: 1 where the label is a completion token of the
     *     chosen (column 0) or the rejected (column 1) side
     * @return {@code [pairs, 2]}, differentiable with respect to the logits
     */
    public static NDArray sequenceLogProbs(NDArray logits, NDArray labels, NDArray sides) {
        NDArray picked = logits.logSoftmax(2).gather(labels.expandDims(2), 2);
        return picked.mul(sides).sum(new int[] {1});
    }

    /**
     * The implicit rewards {@code beta * (policy - reference)}.
     *
     * @param policy {@code [pairs, 2]} the policy's sequence log-probabilities
     * @param reference {@code [pairs, 2]} the reference model's
     * @param beta a long-lived one-element array holding {@code beta}
     * @return {@code [pairs, 2]}
     */
    public static NDArray rewards(NDArray policy, NDArray reference, NDArray beta) {
        return policy.sub(reference).mul(beta);
    }

    /**
     * The loss of each pair, {@code -log sigmoid(r_c - r_r)}.
     *
     * @param rewards {@code [pairs, 2]}
     * @return {@code [pairs]}
     */
    public static NDArray losses(NDArray rewards) {
        return rewards.logSoftmax(1).get(CHOSEN).neg();
    }
}
