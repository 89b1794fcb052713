package dev.anneal.serving;

/** The model exists for the caller but this version of serving cannot run it; says why. */
public class UnsupportedModelException extends ServingException {

    private static final long serialVersionUID = 1L;

    public UnsupportedModelException(String message) {
        super(message, "model", "unsupported_model");
    }
}
