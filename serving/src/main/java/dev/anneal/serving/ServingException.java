package dev.anneal.serving;

/**
 * A completion that serving refuses or cannot run, with a stable code and the request parameter at
 * fault. The API maps each subclass to one HTTP status; nothing here knows about HTTP.
 */
public abstract class ServingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String param;
    private final String code;

    protected ServingException(String message, String param, String code) {
        super(message);
        this.param = param;
        this.code = code;
    }

    /** The request parameter at fault, or {@code null}. */
    public String param() {
        return param;
    }

    /** A stable machine-readable code, e.g. {@code model_not_found}. */
    public String code() {
        return code;
    }
}
