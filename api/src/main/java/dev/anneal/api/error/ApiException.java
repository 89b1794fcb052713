package dev.anneal.api.error;

/** A refusal decided at the edge (authentication, request shape), with its HTTP status. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public ErrorResponse toResponse() {
        return ErrorResponse.of(getMessage(), type, param, code);
    }
}
