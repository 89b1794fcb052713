package dev.anneal.serving.structured;

import java.util.Arrays;
import java.util.List;

/**
 * A trie of fixed byte strings that a value must spell exactly: the property names an object may
 * write next ({@code "name"}, quotes included), the values of an {@code enum}, {@code true}, {@code
 * false} and {@code null}. Each node knows the fewest bytes from it to the end of the document
 * along its cheapest literal, so matching a literal keeps the cost of completion exact. Immutable
 * once built; shared by every sequence.
 */
final class LiteralTrie {

    /**
     * One literal to insert.
     *
     * @param bytes the literal's UTF-8 bytes, not empty
     * @param payload what the literal stands for (a property index), 0 or more
     * @param tailCost the fewest bytes needed after the literal to finish what encloses it
     */
    record Literal(byte[] bytes, int payload, int tailCost) {}

    /** A node: the literals sharing a prefix. */
    static final class Node {
        private byte[] labels = new byte[0];
        private Node[] children = new Node[0];
        private int payload = -1;
        private int minCost = JsonGrammar.INFINITE;

        /** The literal's own tail cost, where one ends. */
        private int tailCost = JsonGrammar.INFINITE;

        /** The child after byte {@code b} (0 to 255), or {@code null}. */
        Node child(int b) {
            for (int i = 0; i < labels.length; i++) {
                if ((labels[i] & 0xFF) == b) {
                    return children[i];
                }
            }
            return null;
        }

        /** Whether a literal ends here. */
        boolean isTerminal() {
            return payload >= 0;
        }

        /** Whether no literal goes on from here. */
        boolean isLeaf() {
            return children.length == 0;
        }

        /** The payload of the literal ending here, or -1. */
        int payload() {
            return payload;
        }

        /** The fewest bytes from here to the end of the literal and of what encloses it. */
        int minCost() {
            return minCost;
        }

        private Node childOrNew(byte b) {
            Node existing = child(b & 0xFF);
            if (existing != null) {
                return existing;
            }
            Node created = new Node();
            labels = Arrays.copyOf(labels, labels.length + 1);
            labels[labels.length - 1] = b;
            children = Arrays.copyOf(children, children.length + 1);
            children[children.length - 1] = created;
            return created;
        }

        /** Sets the costs of this node and those below, bottom up. */
        private int computeCosts() {
            int best = isTerminal() ? tailCost : JsonGrammar.INFINITE;
            for (Node child : children) {
                best = Math.min(best, JsonGrammar.add(1, child.computeCosts()));
            }
            minCost = best;
            return best;
        }
    }

    private final Node root;

    private LiteralTrie(Node root) {
        this.root = root;
    }

    /**
     * Builds a trie.
     *
     * @param literals the literals; when one appears twice the first wins
     * @return the trie
     */
    static LiteralTrie of(List<Literal> literals) {
        Node root = new Node();
        for (Literal literal : literals) {
            Node node = root;
            for (byte b : literal.bytes()) {
                node = node.childOrNew(b);
            }
            if (!node.isTerminal()) {
                node.payload = literal.payload();
                node.tailCost = literal.tailCost();
            }
        }
        root.computeCosts();
        return new LiteralTrie(root);
    }

    /** The node before the first byte. */
    Node root() {
        return root;
    }
}
