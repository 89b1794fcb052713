package dev.anneal.serving.completion;

/**
 * Hears one sequence's progress. Called on the model's engine thread: implementations must return
 * quickly and never block (hand the event to a queue), or every sequence of the model waits.
 * Exactly one of {@link #onFinish} and {@link #onError} ends the calls, unless the sequence is
 * cancelled, which ends them silently.
 */
public interface CompletionListener {

    /**
     * A token was generated, one call per token, the last one included (before {@link #onFinish}).
     *
     * @param textDelta the text that became safe to show, maybe empty (a possible stop string or an
     *     incomplete character is held back)
     * @param logprobs the token's log-probabilities when {@link Sampling#logprobs()} asked for
     *     them, else {@code null}; tokens whose text is held back still come with theirs
     */
    void onToken(String textDelta, TokenLogprobs logprobs);

    /** The sequence ended normally. */
    void onFinish(SequenceResult result);

    /** The sequence failed; its place is freed. */
    void onError(RuntimeException error);
}
