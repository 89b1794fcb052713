package dev.anneal.serving.structured;

import dev.anneal.tuner.generate.TokenConstraint;
import java.util.BitSet;

/**
 * Constrains one sequence to a JSON document of a grammar, within a token budget.
 *
 * <p>A token is allowed when its bytes take the automaton to a state from which the document can
 * still be finished, plus the end-of-sequence token, within the tokens left: the cheapest
 * completion of {@code c} bytes needs at most {@code c} tokens (one per byte, all printable ASCII,
 * which {@link Vocabulary} guarantees). So from the first token to the last there is always an
 * allowed token, and when the budget runs short only the tokens that close the document fast
 * remain: every output ends complete, however the model samples, at the latest on its last token.
 *
 * <p>Not thread-safe: one constraint per sequence.
 */
final class JsonConstraint implements TokenConstraint {

    private final Vocabulary vocabulary;
    private Frame state;

    /** Tokens that may still be generated, the end-of-sequence token included. */
    private int tokensLeft;

    private boolean ended;

    /** {@link #allowed} of the current state, computed once. */
    private BitSet allowed;

    /**
     * Starts a document.
     *
     * @param vocabulary the model's vocabulary
     * @param grammar the top-level value's grammar
     * @param maxTokens the most tokens to generate, the end-of-sequence token included
     * @throws MaxTokensTooSmallException if the shortest document does not fit
     */
    JsonConstraint(Vocabulary vocabulary, JsonGrammar grammar, int maxTokens) {
        this.vocabulary = vocabulary;
        this.state = Frame.start(grammar);
        this.tokensLeft = maxTokens;
        if (state.cost() + 1 > maxTokens) {
            throw new MaxTokensTooSmallException(maxTokens, state.cost() + 1);
        }
    }

    @Override
    public BitSet allowed() {
        if (allowed == null) {
            if (state.isDone()) {
                allowed = vocabulary.eosIds();
            } else if (state.isStringContent()) {
                // Most of a vocabulary is plain text, which leaves a string as it is: walk the
                // rest.
                allowed = new BitSet(vocabulary.size());
                if (state.cost() + 2 <= tokensLeft) {
                    allowed.or(vocabulary.stringContent());
                }
                vocabulary.notStringContent().collect(state, tokensLeft, allowed);
            } else {
                allowed = new BitSet(vocabulary.size());
                vocabulary.trie().collect(state, tokensLeft, allowed);
            }
        }
        return (BitSet) allowed.clone();
    }

    @Override
    public void accept(long tokenId) {
        if (tokenId < 0 || tokenId >= vocabulary.size()) {
            throw new IllegalArgumentException(
                    "Token " + tokenId + " is outside the vocabulary of " + vocabulary.size());
        }
        int id = (int) tokenId;
        if (ended) {
            throw new IllegalArgumentException("Token " + id + " after the end of the sequence");
        }
        if (vocabulary.isEos(id)) {
            if (!state.isDone()) {
                throw new IllegalArgumentException(
                        "End-of-sequence token " + id + " before the JSON is complete");
            }
            ended = true;
        } else {
            state = next(id);
        }
        tokensLeft--;
        allowed = null;
    }

    private Frame next(int id) {
        byte[] bytes = vocabulary.bytes(id);
        if (bytes == null) {
            throw new IllegalArgumentException("Token " + id + " is not a text token");
        }
        Frame next = state;
        for (int i = 0; i < bytes.length && next != null; i++) {
            next = next.step(bytes[i] & 0xFF);
        }
        if (next == null) {
            throw new IllegalArgumentException("Token " + id + " does not fit the JSON here");
        }
        if (next.cost() + 2 > tokensLeft) {
            throw new IllegalArgumentException(
                    "Token " + id + " leaves too few tokens to finish the JSON");
        }
        return next;
    }

    @Override
    public boolean isComplete() {
        return state.isDone();
    }

    /** The automaton's current state. */
    Frame state() {
        return state;
    }
}
