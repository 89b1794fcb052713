package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Root-mean-square layer normalisation (<a href="https://arxiv.org/abs/1910.07467">Zhang and
 * Sennrich, 2019</a>): {@code x / sqrt(mean(x²) + eps) * weight}, with no centring and no bias.
 *
 * <p>One parameter, {@code weight} {@code [hidden]}. Input and output {@code [..., hidden]}.
 */
public final class RmsNorm extends AbstractBlock {

    private final int size;
    private final Parameter weight;
    private final NDArray eps;

    /**
     * Creates the block.
     *
     * @param size the normalised (last) dimension
     * @param eps the variance epsilon ({@code rms_norm_eps})
     * @param constants the manager that owns the block's constants for its whole life
     */
    public RmsNorm(int size, double eps, NDManager constants) {
        super((byte) 1);
        this.size = size;
        this.weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.GAMMA)
                                .build());
        // An array, not a Number: scalar overloads free their temporary too early for autograd.
        this.eps = constants.create(new float[] {(float) eps});
    }

    /**
     * Normalises the last axis.
     *
     * @param parameterStore where the weight's value comes from
     * @param x {@code [..., hidden]}
     * @param training whether autograd records the pass
     * @return {@code [..., hidden]}
     */
    public NDArray forward(ParameterStore parameterStore, NDArray x, boolean training) {
        NDArray w = parameterStore.getValue(weight, x.getDevice(), training);
        NDArray rms = x.square().mean(new int[] {x.getShape().dimension() - 1}, true);
        return x.div(rms.add(eps).sqrt()).mul(w);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return new NDList(forward(parameterStore, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        weight.setShape(new Shape(size));
    }
}
