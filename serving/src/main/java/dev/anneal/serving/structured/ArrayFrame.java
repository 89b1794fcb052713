package dev.anneal.serving.structured;

/** Inside an array: after the opening bracket, after an item, or after a comma. */
final class ArrayFrame extends Frame {

    private enum Phase {
        OPEN,
        AFTER_VALUE,
        AFTER_COMMA
    }

    private final ArrayGrammar grammar;
    private final Phase phase;
    private final int count;
    private final int whitespace;

    private ArrayFrame(ArrayGrammar grammar, Frame parent, Phase phase, int count, int whitespace) {
        super(parent, localCost(grammar, phase, count));
        this.grammar = grammar;
        this.phase = phase;
        this.count = count;
        this.whitespace = whitespace;
    }

    /** Just after the opening bracket. */
    static Frame open(ArrayGrammar grammar, Frame parent) {
        return new ArrayFrame(grammar, parent, Phase.OPEN, 0, 0);
    }

    private static int localCost(ArrayGrammar grammar, Phase phase, int count) {
        return switch (phase) {
            case OPEN -> grammar.openCost();
            case AFTER_VALUE -> grammar.afterValueCost(count);
            case AFTER_COMMA -> grammar.afterCommaCost(count);
        };
    }

    @Override
    Frame step(int b) {
        if (isWhitespace(b)) {
            int run = extendWhitespace(whitespace, b);
            return run < 0 ? null : new ArrayFrame(grammar, parent, phase, count, run);
        }
        return switch (phase) {
            case OPEN -> {
                if (b == ']' && grammar.canClose(0)) {
                    yield parent;
                }
                yield grammar.canAdd(0) ? item(b) : null;
            }
            case AFTER_VALUE -> {
                if (b == ',' && grammar.canAdd(count)) {
                    yield new ArrayFrame(grammar, parent, Phase.AFTER_COMMA, count, 0);
                }
                yield b == ']' && grammar.canClose(count) ? parent : null;
            }
            case AFTER_COMMA -> item(b);
        };
    }

    /** The first byte of item number {@code count + 1}. */
    private Frame item(int b) {
        Frame after = new ArrayFrame(grammar, parent, Phase.AFTER_VALUE, count + 1, 0);
        return begin(grammar.items(), after, b);
    }
}
