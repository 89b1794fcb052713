package dev.anneal.tuner.model;

import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;

/**
 * Creates the linear projections of a decoder ({@code q,k,v,o} and {@code gate,up,down}).
 *
 * <p>The seam for adapters: a LoRA factory returns, for its target modules, a block that wraps or
 * augments the base projection. Whatever it returns must map {@code [..., in]} to {@code [...,
 * out]} and expose the base weights as parameters named {@code weight} {@code [out, in]} and {@code
 * bias} {@code [out]} (the Hugging Face layout), so that checkpoints load unchanged.
 */
@FunctionalInterface
public interface ProjectionFactory {

    /** Plain DJL {@link Linear} blocks, {@code y = x W^T + b}. */
    ProjectionFactory LINEAR =
            (modulePath, inFeatures, outFeatures, bias) ->
                    Linear.builder().setUnits(outFeatures).optBias(bias).build();

    /**
     * Creates one projection.
     *
     * @param modulePath the Hugging Face module path, e.g. {@code model.layers.3.self_attn.q_proj}
     * @param inFeatures the input width
     * @param outFeatures the output width
     * @param bias whether the projection has a bias
     * @return the block
     */
    Block create(String modulePath, long inFeatures, long outFeatures, boolean bias);
}
