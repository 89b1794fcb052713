package dev.anneal.tuner.data;

/**
 * One preference example as tokens: the same prompt followed by the preferred and by the
 * non-preferred completion, each marked so that only its completion tokens are targets.
 *
 * @param chosen the prompt and the preferred completion
 * @param rejected the prompt and the non-preferred completion
 */
public record PreferencePair(TokenizedExample chosen, TokenizedExample rejected)
        implements HeldExample {

    @Override
    public long heldBytes() {
        return chosen.heldBytes() + rejected.heldBytes();
    }
}
