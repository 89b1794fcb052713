package dev.anneal.tuner.model;

/**
 * Creates the linear projections of a decoder ({@code q,k,v,o} and {@code gate,up,down}).
 *
 * <p>The seam for adapters: a LoRA factory returns, for its target modules, a {@link Projection}
 * whose update is the adapter's. Every projection keeps the base weights as parameters named {@code
 * weight} {@code [out, in]} and {@code bias} {@code [out]} (the Hugging Face layout), so that
 * checkpoints load unchanged, and the layer may fuse the base products of q,k,v and of gate,up.
 */
@FunctionalInterface
public interface ProjectionFactory {

    /** Plain linear projections, {@code y = x W^T + b}. */
    ProjectionFactory LINEAR =
            (modulePath, inFeatures, outFeatures, bias) ->
                    new LinearProjection(inFeatures, outFeatures, bias);

    /**
     * Creates one projection.
     *
     * @param modulePath the Hugging Face module path, e.g. {@code model.layers.3.self_attn.q_proj}
     * @param inFeatures the input width
     * @param outFeatures the output width
     * @param bias whether the projection has a bias
     * @return the projection
     */
    Projection create(String modulePath, long inFeatures, long outFeatures, boolean bias);
}
