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

    /** A token was generated; its step carries the text that became safe to show (maybe empty). */
    void onToken(SequenceDecoder.TokenStep step);

    /** The sequence ended normally. */
    void onFinish(GenerationResult result);

    /** The sequence failed; its place is freed. */
    void onError(RuntimeException error);
}
