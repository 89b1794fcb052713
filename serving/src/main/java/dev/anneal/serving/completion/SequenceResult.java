package dev.anneal.serving.completion;

/**
 * How one sequence ended.
 *
 * @param text the whole answer, special tokens left out, cut before a stop string
 * @param completionTokens tokens generated, the end-of-turn token or stop string's tokens included
 * @param finishReason why it ended
 */
public record SequenceResult(String text, int completionTokens, FinishReason finishReason) {

    /** Why a sequence ended, as OpenAI names it. */
    public enum FinishReason {
        /** An end-of-turn token or a stop string. */
        STOP,
        /** The token budget or the context ran out. */
        LENGTH
    }
}
