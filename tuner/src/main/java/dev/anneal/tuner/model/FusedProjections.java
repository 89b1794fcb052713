package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * Projections that read the same input ({@code q,k,v}; {@code gate,up}) computed with one matrix
 * product: their base weights (and biases) concatenated along the output axis, the product split
 * back into one part per projection, each projection's update added to its part. Fewer and larger
 * operations, forward and backward: the per-operation cost, not arithmetic, bounds small models.
 *
 * <p>The concatenation is made at every pass, in the pass's manager, so the parameters stay those
 * of the Hugging Face layout and no second copy of the weights is kept; autograd routes each part's
 * gradient back to its own weight. Copying the weights costs about as much as a product with a few
 * rows, so a pass of fewer than {@link #MIN_ROWS} rows (decoding one token at a time) keeps one
 * product per projection.
 */
final class FusedProjections {

    /** The fewest rows ({@code batch * seq}) for which the weights are concatenated. */
    static final long MIN_ROWS = 16;

    private FusedProjections() {}

    /**
     * Applies the projections to one input.
     *
     * @param ps where parameter values come from
     * @param x {@code [..., in]}
     * @param training whether autograd records the pass
     * @param projections projections of the same input width, all with a bias or all without
     * @return one output {@code [..., out_i]} per projection, in order
     */
    static NDList project(
            ParameterStore ps, NDArray x, boolean training, Projection... projections) {
        long in = x.getShape().get(x.getShape().dimension() - 1);
        if (x.size() / in < MIN_ROWS) {
            NDList outputs = new NDList(projections.length);
            for (Projection projection : projections) {
                outputs.add(projection.project(ps, x, training));
            }
            return outputs;
        }
        NDList weights = new NDList(projections.length);
        NDList biases = new NDList(projections.length);
        long[] splits = new long[projections.length - 1];
        long width = 0;
        for (int i = 0; i < projections.length; i++) {
            NDArray w = ps.getValue(projections[i].weight(), x.getDevice(), training);
            weights.add(w);
            if (projections[i].bias() != null) {
                biases.add(ps.getValue(projections[i].bias(), x.getDevice(), training));
            }
            width += w.getShape().get(0);
            if (i < splits.length) {
                splits[i] = width;
            }
        }
        // a concatenation belongs to its first operand's manager (the model's): move it to the
        // pass's
        NDArray weight = scoped(NDArrays.concat(weights, 0), x);
        NDArray base;
        if (biases.isEmpty()) {
            base = Linear.linear(x, weight).head();
        } else if (biases.size() == projections.length) {
            base = Linear.linear(x, weight, scoped(NDArrays.concat(biases, 0), x)).head();
        } else {
            throw new IllegalArgumentException("Fused projections must all have a bias or none");
        }
        NDList parts = base.split(splits, x.getShape().dimension() - 1);
        NDList outputs = new NDList(projections.length);
        for (int i = 0; i < projections.length; i++) {
            NDArray update = projections[i].update(ps, x, training);
            outputs.add(update == null ? parts.get(i) : parts.get(i).add(update));
        }
        return outputs;
    }

    private static NDArray scoped(NDArray array, NDArray owner) {
        array.attach(owner.getManager());
        return array;
    }
}
