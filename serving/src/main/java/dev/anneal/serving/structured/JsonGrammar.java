package dev.anneal.serving.structured;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a JSON value may be, compiled from a schema by {@link JsonSchemaParser}: the grammar the
 * {@link Frame} automaton follows. Every grammar knows the fewest bytes of a value it accepts,
 * which the automaton adds up into the exact cost of finishing the document.
 *
 * <p>Immutable and shared by every sequence decoded under the same schema.
 */
sealed interface JsonGrammar
        permits JsonGrammar.AnyValue,
                JsonGrammar.StringValue,
                JsonGrammar.NumberValue,
                JsonGrammar.LiteralValue,
                JsonGrammar.OneOfTypes,
                ObjectGrammar,
                ArrayGrammar {

    /** A cost too large for any budget; sums saturate here instead of overflowing. */
    int INFINITE = 1 << 29;

    /** The fewest bytes of a value this grammar accepts. */
    int minLength();

    /** Adds two costs, saturating at {@link #INFINITE}. */
    static int add(int a, int b) {
        return (int) Math.min(INFINITE, (long) a + b);
    }

    /**
     * Any JSON value: object (any keys), array, string, number, {@code true}, {@code false}, {@code
     * null}.
     */
    record AnyValue() implements JsonGrammar {
        static final AnyValue INSTANCE = new AnyValue();

        @Override
        public int minLength() {
            return 1; // 0
        }
    }

    /** Any string. */
    record StringValue() implements JsonGrammar {
        static final StringValue INSTANCE = new StringValue();

        @Override
        public int minLength() {
            return 2; // ""
        }
    }

    /**
     * A number, or an integer: no fraction and no exponent.
     *
     * @param integer whether only integers are accepted
     */
    record NumberValue(boolean integer) implements JsonGrammar {
        static final NumberValue NUMBER = new NumberValue(false);
        static final NumberValue INTEGER = new NumberValue(true);

        @Override
        public int minLength() {
            return 1; // 0
        }
    }

    /**
     * One of a fixed set of values, each spelt exactly: an {@code enum}, a boolean, {@code null}.
     *
     * @param literals the values' canonical JSON, as a trie
     */
    record LiteralValue(LiteralTrie literals) implements JsonGrammar {
        static final LiteralValue BOOLEAN = of(List.of("true", "false"));
        static final LiteralValue NULL = of(List.of("null"));
        static final LiteralValue TRUE_FALSE_NULL = of(List.of("true", "false", "null"));

        /** The values, written as JSON text, in order of preference for ties. */
        static LiteralValue of(List<String> jsonTexts) {
            return new LiteralValue(
                    LiteralTrie.of(
                            jsonTexts.stream()
                                    .map(
                                            text ->
                                                    new LiteralTrie.Literal(
                                                            text.getBytes(StandardCharsets.UTF_8),
                                                            0,
                                                            0))
                                    .toList()));
        }

        @Override
        public int minLength() {
            return literals.root().minCost();
        }
    }

    /**
     * A value of one of several types ({@code "type": ["string", "null"]}). The alternatives start
     * with different bytes, so the first byte picks one.
     *
     * @param alternatives at least two grammars with disjoint first bytes
     */
    record OneOfTypes(List<JsonGrammar> alternatives) implements JsonGrammar {
        public OneOfTypes {
            alternatives = List.copyOf(alternatives);
        }

        @Override
        public int minLength() {
            int best = INFINITE;
            for (JsonGrammar alternative : alternatives) {
                best = Math.min(best, alternative.minLength());
            }
            return best;
        }
    }
}
