package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * A linear projection of a decoder layer, {@code [..., in]} to {@code [..., out]}: the base {@code
 * x W^T + b} plus, optionally, an additive term such as a LoRA update.
 *
 * <p>The base weights are parameters named {@code weight} {@code [out, in]} and {@code bias} {@code
 * [out]} (the Hugging Face layout), so that checkpoints load unchanged. Keeping the base apart from
 * the additive term lets a layer compute the base products of the projections that read the same
 * input ({@code q,k,v}; {@code gate,up}) as one matrix product ({@link FusedProjections}).
 */
public interface Projection extends Block {

    /** The base weight, {@code [out, in]}. */
    Parameter weight();

    /** The base bias, {@code [out]}, or {@code null} when the projection has none. */
    Parameter bias();

    /**
     * The term added to the base product.
     *
     * @param ps where parameter values come from
     * @param x {@code [..., in]}
     * @param training whether autograd records the pass
     * @return {@code [..., out]}, or {@code null} when nothing is added
     */
    NDArray update(ParameterStore ps, NDArray x, boolean training);

    /**
     * Projects: the base product plus the update.
     *
     * @param ps where parameter values come from
     * @param x {@code [..., in]}
     * @param training whether autograd records the pass
     * @return {@code [..., out]}
     */
    default NDArray project(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight(), x.getDevice(), training);
        NDArray b = bias() == null ? null : ps.getValue(bias(), x.getDevice(), training);
        NDArray base = b == null ? Linear.linear(x, w).head() : Linear.linear(x, w, b).head();
        NDArray update = update(ps, x, training);
        return update == null ? base : base.add(update);
    }
}
