package dev.anneal.serving.structured;

/**
 * A token budget too small to hold the shortest output the schema allows, plus the end-of-sequence
 * token: no decoding could finish it, so the request is refused before generating anything (the
 * REST layer answers 400 naming {@code max_tokens}).
 */
public final class MaxTokensTooSmallException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int maxTokens;
    private final int minTokens;

    /**
     * Creates the exception.
     *
     * @param maxTokens the budget asked for
     * @param minTokens the smallest budget that works for this schema
     */
    public MaxTokensTooSmallException(int maxTokens, int minTokens) {
        super(
                "max_tokens "
                        + maxTokens
                        + " is too small for this response format: it needs at least "
                        + minTokens);
        this.maxTokens = maxTokens;
        this.minTokens = minTokens;
    }

    /** The budget asked for. */
    public int maxTokens() {
        return maxTokens;
    }

    /** The smallest budget that works for this schema, the end-of-sequence token included. */
    public int minTokens() {
        return minTokens;
    }
}
