package dev.anneal.tuner.tokenizer;

/**
 * A tokenised conversation.
 *
 * @param ids the token ids, {@code [seq]}
 * @param assistantMask per token, whether it is assistant output (content and end-of-turn marker):
 *     the tokens a chat fine-tune computes its loss on; {@code [seq]}
 */
public record EncodedChat(long[] ids, boolean[] assistantMask) {

    /** Checks that both arrays have one entry per token. */
    public EncodedChat {
        if (ids.length != assistantMask.length) {
            throw new IllegalArgumentException(
                    ids.length + " ids but " + assistantMask.length + " mask entries");
        }
    }

    /** The number of tokens. */
    public int length() {
        return ids.length;
    }
}
