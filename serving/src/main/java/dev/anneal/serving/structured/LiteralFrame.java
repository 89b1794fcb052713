package dev.anneal.serving.structured;

/**
 * Inside a fixed value ({@code true}, {@code null}, an {@code enum} value). A literal that is a
 * prefix of another ({@code 1} and {@code 12}) ends at the first byte that cannot continue it,
 * which goes to the enclosing frame; otherwise the literal ends on its last byte.
 */
final class LiteralFrame extends Frame {

    private final LiteralTrie.Node node;

    private LiteralFrame(LiteralTrie.Node node, Frame parent) {
        super(parent, node.minCost());
        this.node = node;
    }

    /**
     * Starts a literal on its first byte.
     *
     * @param literals the values that may be written
     * @param parent what continues after the value
     * @param b the first byte
     * @return the state after it, or {@code null} if no value starts with it
     */
    static Frame begin(LiteralTrie literals, Frame parent, int b) {
        return next(literals.root(), parent, b);
    }

    @Override
    Frame step(int b) {
        Frame next = next(node, parent, b);
        if (next == null && node.isTerminal()) {
            return parent.step(b);
        }
        return next;
    }

    private static Frame next(LiteralTrie.Node node, Frame parent, int b) {
        LiteralTrie.Node child = node.child(b);
        if (child == null) {
            return null;
        }
        return child.isLeaf() ? parent : new LiteralFrame(child, parent);
    }
}
