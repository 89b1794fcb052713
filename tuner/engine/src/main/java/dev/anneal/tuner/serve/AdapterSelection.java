package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;

/**
 * A parameter store that also says which adapter a forward pass applies. The model passes its store
 * to every projection, so the choice reaches each {@link MultiLoraLinear} through the call itself
 * instead of through state shared between requests.
 *
 * <p>Base parameters are served as they are ({@code copy = false}): the arrays handed out are the
 * model's own.
 */
final class AdapterSelection extends ParameterStore {

    private final LoadedAdapter adapter;

    /**
     * Creates the store.
     *
     * @param manager the manager the store would copy into; nothing is copied
     * @param adapter the adapter to apply, or {@code null} for the plain base model
     */
    AdapterSelection(NDManager manager, LoadedAdapter adapter) {
        super(manager, false);
        this.adapter = adapter;
    }

    /**
     * The update of one projection under the selected adapter.
     *
     * @param modulePath the projection's Hugging Face module path
     * @return the weights, or {@code null} when no adapter is selected or it does not target it
     */
    LoraWeights weights(String modulePath) {
        return adapter == null ? null : adapter.weights(modulePath);
    }
}
