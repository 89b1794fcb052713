package dev.anneal.serving;

/** The queue of requests waiting for the model is full: the client should retry later. */
public class ServingOverloadedException extends ServingException {

    private static final long serialVersionUID = 1L;

    private final int retryAfterSeconds;

    public ServingOverloadedException(String modelId, int waiting, int retryAfterSeconds) {
        super(
                "The model '"
                        + modelId
                        + "' has "
                        + waiting
                        + " requests waiting already; retry after "
                        + retryAfterSeconds
                        + " s.",
                null,
                "server_overloaded");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /**
     * Overloaded for another reason than a full queue.
     *
     * @param message what is full, for the client
     * @param retryAfterSeconds when to retry
     */
    public ServingOverloadedException(String message, int retryAfterSeconds) {
        super(message, null, "server_overloaded");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** When to retry, for the {@code Retry-After} header. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
