package dev.anneal.serving.scheduler;

import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.SequenceDecoder;

/**
 * Receives one sequence's progress. Called on the scheduler's engine thread: implementations must
 * return quickly and never block (hand the event to a queue), or every sequence of the model waits.
 * Exactly one of {@link #onFinish} and {@link #onError} ends the calls, unless the sequence is
 * cancelled, which ends them silently.
 */
public interface TokenListener {

    /**
     * A token was generated, one call per token (the last one included, before {@link #onFinish}):
     * its step carries the text that became safe to show (maybe empty) and, when the sequence's
     * {@link dev.anneal.tuner.generate.GenerationConfig#logprobs()} asked for them, the token's
     * log-probability and its most likely alternatives ({@link
     * SequenceDecoder.TokenStep#logprobs()}). Tokens whose text is held back (a possible stop
     * string, an incomplete character) still come with their log-probabilities, so a listener gets
     * exactly one entry per generated token.
     */
    void onToken(SequenceDecoder.TokenStep step);

    /** The sequence ended normally. */
    void onFinish(GenerationResult result);

    /** The sequence failed; its place is freed. */
    void onError(RuntimeException error);
}
