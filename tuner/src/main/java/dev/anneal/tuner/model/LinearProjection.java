package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A plain linear projection, {@code y = x W^T + b}: a {@link Projection} with nothing added.
 *
 * <p>Parameters {@code weight} {@code [out, in]} and optional {@code bias} {@code [out]}.
 */
public final class LinearProjection extends AbstractBlock implements Projection {

    private final long inFeatures;
    private final long outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * Creates the block, its parameters still without values.
     *
     * @param inFeatures the input width
     * @param outFeatures the output width
     * @param bias whether the projection has a bias
     */
    public LinearProjection(long inFeatures, long outFeatures, boolean bias) {
        super((byte) 1);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.WEIGHT)
                                .build());
        this.bias =
                bias
                        ? addParameter(
                                Parameter.builder()
                                        .setName("bias")
                                        .setType(Parameter.Type.BIAS)
                                        .build())
                        : null;
    }

    @Override
    public Parameter weight() {
        return weight;
    }

    @Override
    public Parameter bias() {
        return bias;
    }

    /** Nothing: the projection is its base. */
    @Override
    public NDArray update(ParameterStore ps, NDArray x, boolean training) {
        return null;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(project(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {
            inputShapes[0].slice(0, inputShapes[0].dimension() - 1).add(outFeatures)
        };
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        weight.setShape(new Shape(outFeatures, inFeatures));
        if (bias != null) {
            bias.setShape(new Shape(outFeatures));
        }
    }
}
