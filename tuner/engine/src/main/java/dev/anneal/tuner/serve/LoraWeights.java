package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;

/**
 * One adapter's update of one projection, {@code (alpha / r) * x A^T B^T}.
 *
 * @param a {@code lora_A.weight}, {@code [r, in]}
 * @param b {@code lora_B.weight}, {@code [out, r]}
 * @param scaling {@code [1]}, {@code alpha / r}, a long-lived array used as second operand (see
 *     docs/djl-facts.md: scalar overloads)
 * @param scale {@code alpha / r} as a number, for per-row scales of a mixed batch
 */
record LoraWeights(NDArray a, NDArray b, NDArray scaling, float scale) {

    /** The adapter's rank {@code r}. */
    long rank() {
        return a.getShape().get(0);
    }

    /**
     * The update of an input, computed with the same operations, in the same order, as {@link
     * dev.anneal.tuner.lora.LoraLinear}, so that both give the same logits.
     *
     * @param x {@code [..., in]}
     * @return {@code [..., out]}
     */
    NDArray update(NDArray x) {
        return Linear.linear(Linear.linear(x, a).head().mul(scaling), b).head();
    }
}
