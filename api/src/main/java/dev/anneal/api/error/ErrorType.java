package dev.anneal.api.error;

/** OpenAI's error types, the {@code type} field of an error. */
public final class ErrorType {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String AUTHENTICATION = "authentication_error";
    public static final String PERMISSION = "permission_error";
    public static final String NOT_FOUND = "not_found_error";
    public static final String CONFLICT = "conflict_error";
    public static final String SERVER = "server_error";

    /** OpenAI's type of a rate-limit refusal (code {@code rate_limit_exceeded}). */
    public static final String RATE_LIMIT = "requests";

    /** A tenant's quota is used up (OpenAI's type for an exhausted quota). */
    public static final String QUOTA = "insufficient_quota";

    private ErrorType() {}
}
