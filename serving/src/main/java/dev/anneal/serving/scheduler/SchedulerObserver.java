package dev.anneal.serving.scheduler;

/**
 * Hears the pace of a scheduler's sequences, for metrics: each sequence's first token, then each
 * later one, timed on the engine thread when the token is sampled, so that the times hold whatever
 * the HTTP layer does with the tokens. The tokens counted are exactly those generated (a request's
 * {@code completion_tokens}); the prompt tokens, those of each sequence that reached its first
 * token (a request with {@code n} choices prefills its prompt {@code n} times).
 *
 * <p>Called on the engine thread: implementations must return at once and never throw (a throw is
 * logged and dropped), or every sequence of the model waits.
 */
public interface SchedulerObserver {

    /** Hears nothing. */
    SchedulerObserver NONE = new SchedulerObserver() {};

    /**
     * A sequence's first token was sampled.
     *
     * @param promptTokens the prompt it prefilled
     * @param nanosSinceSubmit nanoseconds since it was submitted: its wait for admission, its
     *     prefill and its first decoding step
     */
    default void firstToken(int promptTokens, long nanosSinceSubmit) {}

    /**
     * A later token of a sequence was sampled.
     *
     * @param nanosSincePrevious nanoseconds since the sequence's previous token
     */
    default void nextToken(long nanosSincePrevious) {}
}
