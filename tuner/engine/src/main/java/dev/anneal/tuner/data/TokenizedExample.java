package dev.anneal.tuner.data;

/**
 * One example as tokens, with the tokens the model learns to produce marked.
 *
 * @param ids the token ids, {@code [tokens]}
 * @param targets per token, whether the loss counts the prediction of this token (assistant or
 *     completion tokens; every token of a text example), {@code [tokens]}
 */
public record TokenizedExample(long[] ids, boolean[] targets) implements HeldExample {

    /** Checks that both arrays have one entry per token. */
    public TokenizedExample {
        if (ids.length != targets.length) {
            throw new IllegalArgumentException(
                    ids.length + " ids but " + targets.length + " target flags");
        }
    }

    @Override
    public long heldBytes() {
        return 9L * ids.length + 64; // a long and a flag per token, two arrays and the record
    }

    /** The number of tokens. */
    public int length() {
        return ids.length;
    }
}
