package dev.anneal.serving.structured;

/**
 * A state of the JSON pushdown automaton: the innermost value being written, linked to the frames
 * that continue once it is done. Frames are immutable, so a state is one reference, a copy is free,
 * and trying a token's bytes from a state never disturbs it; this is what lets {@link
 * JsonConstraint} walk the whole vocabulary from the current state.
 *
 * <p>The automaton reads UTF-8 bytes. Each frame knows {@link #cost()}: the fewest bytes that
 * finish the whole document from here, exact and never counting whitespace. No byte lowers the cost
 * by more than one, and from any unfinished state outside a multi-byte character some printable
 * ASCII byte lowers it by exactly one; the token budget relies on both.
 *
 * <p>Whitespace is accepted where JSON allows it, in runs of at most {@link #MAX_WHITESPACE} spaces
 * and tabs with at most one line feed among them, so that a model can write compact or indented
 * JSON but cannot loop on blank lines. Carriage returns, valid JSON whitespace, are never
 * generated.
 */
abstract class Frame {

    /** The longest run of whitespace accepted between two tokens of JSON, in bytes. */
    static final int MAX_WHITESPACE = 16;

    /** The flag of a whitespace run that holds its line feed; the low bits count its bytes. */
    private static final int LINE_FEED = 0x100;

    /** What continues once this frame's value is done; {@code null} for {@link Done}. */
    final Frame parent;

    private final int cost;

    /**
     * Creates a frame.
     *
     * @param parent what continues once this value is done, or {@code null} at the end
     * @param localCost the fewest bytes that finish this frame's own value
     */
    Frame(Frame parent, int localCost) {
        this.parent = parent;
        this.cost = parent == null ? localCost : JsonGrammar.add(localCost, parent.cost);
    }

    /**
     * Reads one byte.
     *
     * @param b the byte, 0 to 255
     * @return the next state, or {@code null} if the byte cannot come here
     */
    abstract Frame step(int b);

    /** The fewest bytes that finish the document from this state; 0 once it is complete. */
    final int cost() {
        return cost;
    }

    /** Whether the document is complete: nothing more may be written. */
    boolean isDone() {
        return false;
    }

    /**
     * Whether this is a string's plain state, which any characters but a quote, a backslash or a
     * control character leave as it is (the same frame).
     */
    boolean isStringContent() {
        return false;
    }

    /** The state before the first byte of a document whose top-level value follows a grammar. */
    static Frame start(JsonGrammar grammar) {
        return new ValueStart(grammar, Done.INSTANCE, 0);
    }

    /** Whether a byte is JSON whitespace, which never starts or continues a value. */
    static boolean isWhitespace(int b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /**
     * Extends a whitespace run.
     *
     * @param run the run so far, 0 before its first byte
     * @param b a whitespace byte
     * @return the run with the byte, or -1 if the byte may not come here
     */
    static int extendWhitespace(int run, int b) {
        if ((run & (LINE_FEED - 1)) >= MAX_WHITESPACE) {
            return -1;
        }
        if (b == ' ' || b == '\t') {
            return run + 1;
        }
        return b == '\n' && (run & LINE_FEED) == 0 ? (run | LINE_FEED) + 1 : -1;
    }

    /**
     * Starts a value on its first byte.
     *
     * @param grammar what the value may be
     * @param parent what continues after the value
     * @param b the value's first byte, not whitespace
     * @return the state after that byte, or {@code null} if no such value starts with it
     */
    static Frame begin(JsonGrammar grammar, Frame parent, int b) {
        if (grammar instanceof ObjectGrammar object) {
            return b == '{' ? ObjectFrame.open(object, parent) : null;
        } else if (grammar instanceof ArrayGrammar array) {
            return b == '[' ? ArrayFrame.open(array, parent) : null;
        } else if (grammar instanceof JsonGrammar.StringValue) {
            return b == '"' ? StringFrame.open(parent) : null;
        } else if (grammar instanceof JsonGrammar.NumberValue number) {
            return NumberFrame.begin(number.integer(), parent, b);
        } else if (grammar instanceof JsonGrammar.LiteralValue literal) {
            return LiteralFrame.begin(literal.literals(), parent, b);
        } else if (grammar instanceof JsonGrammar.OneOfTypes union) {
            for (JsonGrammar alternative : union.alternatives()) {
                Frame next = begin(alternative, parent, b);
                if (next != null) {
                    return next;
                }
            }
            return null;
        }
        return beginAny(parent, b);
    }

    private static Frame beginAny(Frame parent, int b) {
        return switch (b) {
            case '{' -> ObjectFrame.open(ObjectGrammar.ANY_KEYS, parent);
            case '[' -> ArrayFrame.open(ArrayGrammar.ANY_ITEMS, parent);
            case '"' -> StringFrame.open(parent);
            case 't', 'f', 'n' ->
                    LiteralFrame.begin(
                            JsonGrammar.LiteralValue.TRUE_FALSE_NULL.literals(), parent, b);
            default -> NumberFrame.begin(false, parent, b);
        };
    }

    /** The document is complete; no byte may follow. */
    static final class Done extends Frame {
        static final Done INSTANCE = new Done();

        private Done() {
            super(null, 0);
        }

        @Override
        Frame step(int b) {
            return null;
        }

        @Override
        boolean isDone() {
            return true;
        }
    }

    /** Before a value: whitespace, then the value's first byte. */
    static final class ValueStart extends Frame {
        private final JsonGrammar grammar;
        private final int whitespace;

        ValueStart(JsonGrammar grammar, Frame parent, int whitespace) {
            super(parent, grammar.minLength());
            this.grammar = grammar;
            this.whitespace = whitespace;
        }

        @Override
        Frame step(int b) {
            if (isWhitespace(b)) {
                int run = extendWhitespace(whitespace, b);
                return run < 0 ? null : new ValueStart(grammar, parent, run);
            }
            return begin(grammar, parent, b);
        }
    }
}
