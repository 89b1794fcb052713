package dev.anneal.tuner.generate;

/**
 * What a generation produced.
 *
 * @param promptIds the prompt's token ids, {@code [prompt]}
 * @param generatedIds the new token ids, {@code [generated]}, including the EOS token or the tokens
 *     of a stop sequence that ended generation
 * @param text the new text, special tokens left out, cut before a stop sequence
 * @param finishReason why generation ended
 */
public record GenerationResult(
        long[] promptIds, long[] generatedIds, String text, FinishReason finishReason) {

    /** Why generation ended. */
    public enum FinishReason {
        /** An end-of-sequence (or end-of-turn) token was generated. */
        EOS,
        /** The text reached a stop sequence. */
        STOP_SEQUENCE,
        /** {@code maxNewTokens} tokens were generated, or the context is full. */
        LENGTH
    }

    /** The prompt followed by the generated tokens, {@code [prompt + generated]}. */
    public long[] allIds() {
        long[] all = new long[promptIds.length + generatedIds.length];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        System.arraycopy(generatedIds, 0, all, promptIds.length, generatedIds.length);
        return all;
    }
}
