package dev.anneal.api.error;

/** A refusal decided at the edge (authentication, request shape), with its HTTP status. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final long retryAfterSeconds;

    public ApiException(int status, String type, String message, String param, String code) {
        this(status, type, message, param, code, 0);
    }

    /**
     * A refusal to try again later.
     *
     * @param retryAfterSeconds sent as {@code Retry-After}; 0 for none
     */
    public ApiException(
            int status,
            String type,
            String message,
            String param,
            String code,
            long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    /** Seconds to wait before trying again, or 0. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public ErrorResponse toResponse() {
        return ErrorResponse.of(getMessage(), type, param, code);
    }
}
