package dev.anneal.serving.structured;

/**
 * Inside an object: after the opening brace, after a key, after a value, or after a comma. {@code
 * index} is the next declared property that may be written (after a key: the property whose key it
 * was); free-form objects ignore it.
 */
final class ObjectFrame extends Frame {

    private enum Phase {
        OPEN,
        AFTER_KEY,
        AFTER_VALUE,
        AFTER_COMMA
    }

    private final ObjectGrammar grammar;
    private final Phase phase;
    private final int index;
    private final int whitespace;

    private ObjectFrame(
            ObjectGrammar grammar, Frame parent, Phase phase, int index, int whitespace) {
        super(parent, localCost(grammar, phase, index));
        this.grammar = grammar;
        this.phase = phase;
        this.index = index;
        this.whitespace = whitespace;
    }

    /** Just after the opening brace. */
    static Frame open(ObjectGrammar grammar, Frame parent) {
        return new ObjectFrame(grammar, parent, Phase.OPEN, 0, 0);
    }

    private static int localCost(ObjectGrammar grammar, Phase phase, int index) {
        return switch (phase) {
            case OPEN -> grammar.openCost();
            case AFTER_KEY -> grammar.afterKeyCost(index);
            case AFTER_VALUE -> grammar.afterValueCost(index);
            case AFTER_COMMA -> grammar.afterCommaCost(index);
        };
    }

    @Override
    Frame step(int b) {
        if (isWhitespace(b)) {
            int run = extendWhitespace(whitespace, b);
            return run < 0 ? null : new ObjectFrame(grammar, parent, phase, index, run);
        }
        return switch (phase) {
            case OPEN -> {
                if (b == '}' && grammar.canClose(0)) {
                    yield parent;
                }
                yield b == '"' && grammar.hasMore(0) ? key(0) : null;
            }
            case AFTER_KEY -> {
                if (b != ':') {
                    yield null;
                }
                int next = grammar.anyKeys() ? 0 : index + 1;
                Frame after = new ObjectFrame(grammar, parent, Phase.AFTER_VALUE, next, 0);
                yield new ValueStart(grammar.value(index), after, 0);
            }
            case AFTER_VALUE -> {
                if (b == ',' && grammar.hasMore(index)) {
                    yield new ObjectFrame(grammar, parent, Phase.AFTER_COMMA, index, 0);
                }
                yield b == '}' && grammar.canClose(index) ? parent : null;
            }
            case AFTER_COMMA -> b == '"' ? key(index) : null;
        };
    }

    /** Just after the opening quote of a key, the properties before {@code next} done. */
    private Frame key(int next) {
        if (grammar.anyKeys()) {
            return StringFrame.open(new ObjectFrame(grammar, parent, Phase.AFTER_KEY, 0, 0));
        }
        LiteralTrie.Node afterQuote = grammar.keys(next).root().child('"');
        return new KeyFrame(grammar, afterQuote, parent);
    }

    /**
     * Inside a declared key: only the keys that may come next match, spelt as {@link CanonicalJson}
     * writes them. A key ends with its closing quote, so no key is a prefix of another and the
     * property is known on that quote.
     */
    private static final class KeyFrame extends Frame {
        private final ObjectGrammar grammar;
        private final LiteralTrie.Node node;

        KeyFrame(ObjectGrammar grammar, LiteralTrie.Node node, Frame parent) {
            super(parent, node.minCost());
            this.grammar = grammar;
            this.node = node;
        }

        @Override
        Frame step(int b) {
            LiteralTrie.Node child = node.child(b);
            if (child == null) {
                return null;
            }
            return child.isTerminal()
                    ? new ObjectFrame(grammar, parent, Phase.AFTER_KEY, child.payload(), 0)
                    : new KeyFrame(grammar, child, parent);
        }
    }
}
