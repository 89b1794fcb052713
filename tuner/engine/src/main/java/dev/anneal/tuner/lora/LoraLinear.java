package dev.anneal.tuner.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Random;

/**
 * A linear projection with a LoRA update (<a href="https://arxiv.org/abs/2106.09685">Hu et al.,
 * 2021</a>): {@code y = x W^T + b + (alpha / r) * dropout(x) A^T B^T}.
 *
 * <p>Parameters, named so that the model's state dict gives Hugging Face and PEFT names: the base
 * {@code weight} {@code [out, in]} and optional {@code bias} {@code [out]} (loaded from the
 * checkpoint, frozen during LoRA training), {@code lora_A.weight} {@code [r, in]} and {@code
 * lora_B.weight} {@code [out, r]}. With PEFT's initialisation ({@link #initialise}) B is zero, so a
 * fresh adapter leaves the model's output unchanged.
 *
 * <p>Input {@code [..., in]}, output {@code [..., out]}. The scaling is a long-lived array used as
 * second operand (see docs/djl-facts.md, scalar overloads free their temporary too early for
 * autograd).
 */
public final class LoraLinear extends AbstractBlock {

    private final String modulePath;
    private final long inFeatures;
    private final long outFeatures;
    private final int rank;
    private final float dropout;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter loraA;
    private final Parameter loraB;
    private final NDArray scaling;

    /**
     * Creates the block, its parameters still without values.
     *
     * @param modulePath the Hugging Face module path, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param inFeatures the input width
     * @param outFeatures the output width
     * @param bias whether the base projection has a bias
     * @param config rank, alpha and dropout
     * @param constants the manager owning the block's scaling constant for the model's life
     */
    public LoraLinear(
            String modulePath,
            long inFeatures,
            long outFeatures,
            boolean bias,
            LoraConfig config,
            NDManager constants) {
        super((byte) 1);
        this.modulePath = modulePath;
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = config.r();
        this.dropout = (float) config.dropout();
        this.weight = addParameter(parameter("weight", Parameter.Type.WEIGHT));
        this.bias = bias ? addParameter(parameter("bias", Parameter.Type.BIAS)) : null;
        this.loraA = addParameter(parameter("lora_A.weight", Parameter.Type.WEIGHT));
        this.loraB = addParameter(parameter("lora_B.weight", Parameter.Type.WEIGHT));
        this.scaling = constants.create(new float[] {(float) config.scaling()});
    }

    private static Parameter parameter(String name, Parameter.Type type) {
        return Parameter.builder().setName(name).setType(type).build();
    }

    /**
     * Projects.
     *
     * @param ps where parameter values come from
     * @param x {@code [..., in]}
     * @param training whether autograd records the pass (and dropout is active)
     * @return {@code [..., out]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        NDArray a = ps.getValue(loraA, x.getDevice(), training);
        NDArray up = ps.getValue(loraB, x.getDevice(), training);
        NDArray base = b == null ? Linear.linear(x, w).head() : Linear.linear(x, w, b).head();
        NDArray input =
                training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        // scaled at rank r, the narrowest point: the same product, fewer multiplications
        NDArray update = Linear.linear(Linear.linear(input, a).head().mul(scaling), up).head();
        return base.add(update);
    }

    /**
     * Sets the adapter to PEFT's default initialisation: A from Kaiming-uniform with {@code a =
     * sqrt(5)} (uniform in {@code ±1/sqrt(in)}), B zero.
     *
     * @param manager the manager that will own the arrays
     * @param random the source of A's values
     */
    public void initialise(NDManager manager, Random random) {
        float bound = (float) (1 / Math.sqrt(inFeatures));
        float[] a = new float[Math.toIntExact(rank * inFeatures)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (random.nextFloat() * 2 - 1) * bound;
        }
        setAdapterWeights(
                manager.create(a, new Shape(rank, inFeatures)),
                manager.zeros(new Shape(outFeatures, rank)));
    }

    /**
     * Sets A and B explicitly (a loaded adapter, a reference test's initialisation). Once they are
     * set, later calls copy the values into the existing arrays, which the caller keeps.
     *
     * @param a {@code [r, in]}
     * @param b {@code [out, r]}
     * @throws IllegalArgumentException if a shape is wrong
     */
    public void setAdapterWeights(NDArray a, NDArray b) {
        Shape aShape = new Shape(rank, inFeatures);
        Shape bShape = new Shape(outFeatures, rank);
        if (!a.getShape().equals(aShape) || !b.getShape().equals(bShape)) {
            throw new IllegalArgumentException(
                    modulePath
                            + ": LoRA A must be "
                            + aShape
                            + " and B "
                            + bShape
                            + ", got "
                            + a.getShape()
                            + " and "
                            + b.getShape());
        }
        set(loraA, a);
        set(loraB, b);
    }

    /** Sets a parameter's first value, or overwrites its value in place (a later adapter). */
    private static void set(Parameter parameter, NDArray value) {
        if (parameter.isInitialized()) {
            parameter.getArray().set(new NDIndex("..."), value);
        } else {
            parameter.setArray(value);
        }
    }

    /** The Hugging Face module path this adapter sits on. */
    public String modulePath() {
        return modulePath;
    }

    /** A, {@code [r, in]}. */
    public Parameter loraA() {
        return loraA;
    }

    /** B, {@code [out, r]}. */
    public Parameter loraB() {
        return loraB;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
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
        loraA.setShape(new Shape(rank, inFeatures));
        loraB.setShape(new Shape(outFeatures, rank));
    }
}
