package dev.anneal.store;

/**
 * A request the domain refuses, with the request parameter at fault. The API maps each subclass to
 * one HTTP status in a single place; nothing here knows about HTTP.
 */
public abstract class DomainException extends RuntimeException {

    private final String param;
    private final String code;

    protected DomainException(String message, String param, String code) {
        super(message);
        this.param = param;
        this.code = code;
    }

    /** The request parameter at fault, or {@code null}. */
    public String param() {
        return param;
    }

    /** A stable machine-readable code, e.g. {@code invalid_file_format}. */
    public String code() {
        return code;
    }
}
