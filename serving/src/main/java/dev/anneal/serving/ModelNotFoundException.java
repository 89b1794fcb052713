package dev.anneal.serving;

/**
 * No model the caller may use has this id. Thrown alike for an id that exists nowhere and for
 * another tenant's model, so that the two cannot be told apart.
 */
public class ModelNotFoundException extends ServingException {

    private static final long serialVersionUID = 1L;

    public ModelNotFoundException(String modelId) {
        super("The model '" + modelId + "' does not exist.", "model", "model_not_found");
    }
}
