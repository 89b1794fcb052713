package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * A base projection that applies, per forward pass, the LoRA update of whichever adapter the pass's
 * {@link AdapterSelection} names: {@code y = x W^T + b + (alpha / r) x A^T B^T}, or just {@code x
 * W^T + b} when no adapter is selected or the selected one does not target this module.
 *
 * <p>Its only parameters are the base {@code weight} {@code [out, in]} and optional {@code bias}
 * {@code [out]}, so a Hugging Face checkpoint loads unchanged; adapter weights are not parameters
 * and never enter the model's state dict. Inference only: there is no dropout and nothing here is
 * trained. The update is computed by {@link LoraWeights#update}.
 */
final class MultiLoraLinear extends AbstractBlock {

    private final String modulePath;
    private final long inFeatures;
    private final long outFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private List<LoraWeights> sideBySideOf = List.of();
    private NDArray[] sideBySide;
    private NDManager sideBySideManager;

    MultiLoraLinear(String modulePath, long inFeatures, long outFeatures, boolean bias) {
        super((byte) 1);
        this.modulePath = modulePath;
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

    /**
     * Projects.
     *
     * @param ps where base values come from; an {@link AdapterSelection} also names the adapter
     * @param x {@code [..., in]}
     * @param training whether autograd records the pass
     * @return {@code [..., out]}
     */
    NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        NDArray base = b == null ? Linear.linear(x, w).head() : Linear.linear(x, w, b).head();
        NDArray update =
                ps instanceof AdapterSelection selection ? selection.update(this, x) : null;
        return update == null ? base : base.add(update);
    }

    /**
     * The {@code A} of several adapters side by side ({@code [sum of r, in]}) and their {@code B}
     * likewise ({@code [out, sum of r]}), for a batch mixing them ({@link AdapterSelection}). Kept
     * until asked for other adapters, since a running batch keeps its adapters for many steps; they
     * are copies, so the adapters may be freed meanwhile. Meant for the one thread that runs the
     * model's mixed batches.
     *
     * @param loras the adapters' weights of this projection, in column order
     * @return {@code A} and {@code B}
     */
    synchronized NDArray[] sideBySide(List<LoraWeights> loras) {
        if (loras.size() == 1) {
            return new NDArray[] {loras.get(0).a(), loras.get(0).b()};
        }
        if (!sameAdapters(loras, sideBySideOf)) {
            clearSideBySide();
            NDManager manager = NDManager.newBaseManager();
            NDList as = new NDList(loras.size());
            NDList bs = new NDList(loras.size());
            loras.forEach(
                    lora -> {
                        as.add(lora.a());
                        bs.add(lora.b());
                    });
            NDArray a = NDArrays.concat(as, 0);
            NDArray b = NDArrays.concat(bs, 1);
            a.attach(manager);
            b.attach(manager);
            sideBySideManager = manager;
            sideBySide = new NDArray[] {a, b};
            sideBySideOf = List.copyOf(loras);
        }
        return sideBySide;
    }

    /** Frees the adapters' weights kept side by side. */
    synchronized void clearSideBySide() {
        if (sideBySideManager != null) {
            sideBySideManager.close();
            sideBySideManager = null;
            sideBySide = null;
            sideBySideOf = List.of();
        }
    }

    private static boolean sameAdapters(List<LoraWeights> some, List<LoraWeights> others) {
        if (some.size() != others.size()) {
            return false;
        }
        for (int i = 0; i < some.size(); i++) {
            if (some.get(i) != others.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** The Hugging Face module path, e.g. {@code model.layers.0.self_attn.q_proj}. */
    String modulePath() {
        return modulePath;
    }

    /** The shape A must have for rank {@code r}: {@code [r, in]}. */
    Shape loraAShape(int r) {
        return new Shape(r, inFeatures);
    }

    /** The shape B must have for rank {@code r}: {@code [out, r]}. */
    Shape loraBShape(int r) {
        return new Shape(outFeatures, r);
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
    }
}
