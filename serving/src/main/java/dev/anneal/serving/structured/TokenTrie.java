package dev.anneal.serving.structured;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.TreeMap;

/**
 * The vocabulary's text tokens as a byte trie, flattened into arrays with each node's children side
 * by side. Tokens sharing a prefix share the automaton steps over it, and a prefix the automaton
 * refuses prunes every token below it at once. Immutable; shared by every sequence of the model.
 */
final class TokenTrie {

    /** The byte leading into each node (the root's is unused). */
    private final byte[] label;

    /** Each node's children: {@code childStart[n]} to {@code childEnd[n]}, exclusive. */
    private final int[] childStart;

    private final int[] childEnd;

    /** The tokens spelt by each node: {@code tokens[tokenStart[n]]} to {@code tokenStart[n+1]}. */
    private final int[] tokenStart;

    private final int[] tokens;

    /** The most bytes below each node: how far a walk may still go. */
    private final int[] height;

    private TokenTrie(
            byte[] label,
            int[] childStart,
            int[] childEnd,
            int[] tokenStart,
            int[] tokens,
            int[] height) {
        this.label = label;
        this.childStart = childStart;
        this.childEnd = childEnd;
        this.tokenStart = tokenStart;
        this.tokens = tokens;
        this.height = height;
    }

    /** A node while building: children by unsigned byte, tokens spelt here. */
    private static final class Builder {
        final int label;
        final TreeMap<Integer, Builder> children = new TreeMap<>();
        final List<Integer> ids = new ArrayList<>(1);
        int height;

        Builder(int label) {
            this.label = label;
        }
    }

    /**
     * Builds the trie.
     *
     * @param tokenBytes each token's bytes, {@code null} for tokens left out
     * @return the trie
     */
    static TokenTrie of(byte[][] tokenBytes) {
        Builder root = new Builder(0);
        for (int id = 0; id < tokenBytes.length; id++) {
            if (tokenBytes[id] == null) {
                continue;
            }
            Builder node = root;
            for (byte b : tokenBytes[id]) {
                node = node.children.computeIfAbsent(b & 0xFF, Builder::new);
            }
            node.ids.add(id);
        }
        computeHeights(root);
        // Breadth first, so that each node's children get consecutive numbers.
        List<Builder> order = new ArrayList<>();
        Deque<Builder> queue = new ArrayDeque<>(List.of(root));
        while (!queue.isEmpty()) {
            Builder node = queue.poll();
            order.add(node);
            queue.addAll(node.children.values());
        }
        int count = order.size();
        byte[] label = new byte[count];
        int[] childStart = new int[count];
        int[] childEnd = new int[count];
        int[] tokenStart = new int[count + 1];
        int[] height = new int[count];
        List<Integer> ids = new ArrayList<>();
        int nextChild = 1;
        for (int n = 0; n < count; n++) {
            Builder node = order.get(n);
            label[n] = (byte) node.label;
            childStart[n] = nextChild;
            nextChild += node.children.size();
            childEnd[n] = nextChild;
            tokenStart[n] = ids.size();
            ids.addAll(node.ids);
            height[n] = node.height;
        }
        tokenStart[count] = ids.size();
        int[] tokens = ids.stream().mapToInt(Integer::intValue).toArray();
        return new TokenTrie(label, childStart, childEnd, tokenStart, tokens, height);
    }

    /** Sets every node's height, bottom up; iterative, as a token may be hundreds of bytes. */
    private static void computeHeights(Builder root) {
        Deque<Builder> stack = new ArrayDeque<>(List.of(root));
        Deque<Builder> bottomUp = new ArrayDeque<>();
        while (!stack.isEmpty()) {
            Builder node = stack.pop();
            bottomUp.push(node);
            node.children.values().forEach(stack::push);
        }
        while (!bottomUp.isEmpty()) {
            Builder node = bottomUp.pop();
            for (Builder child : node.children.values()) {
                node.height = Math.max(node.height, child.height + 1);
            }
        }
    }

    /** The number of nodes, the root included. */
    int nodeCount() {
        return label.length;
    }

    /**
     * Marks every token whose bytes the automaton accepts from a state and which leaves enough
     * budget to finish: after it, the cost of finishing plus the end-of-sequence token must fit in
     * the tokens left.
     *
     * @param state the automaton's state
     * @param tokensLeft the tokens that may still be generated, this one and the end-of-sequence
     *     token included
     * @param allowed where to set the allowed tokens' ids
     */
    void collect(Frame state, int tokensLeft, BitSet allowed) {
        collect(0, state, tokensLeft, allowed);
    }

    private void collect(int node, Frame state, int tokensLeft, BitSet allowed) {
        for (int child = childStart[node]; child < childEnd[node]; child++) {
            Frame next = state.step(label[child] & 0xFF);
            if (next == null) {
                continue;
            }
            // This token, then one byte-token per byte of the cheapest completion, then EOS.
            int cost = next.cost();
            if (cost + 2 <= tokensLeft) {
                for (int t = tokenStart[child]; t < tokenStart[child + 1]; t++) {
                    allowed.set(tokens[t]);
                }
            }
            // Each further byte lowers the cost by one at most.
            if (height[child] > 0 && cost - height[child] + 2 <= tokensLeft) {
                collect(child, next, tokensLeft, allowed);
            }
        }
    }
}
