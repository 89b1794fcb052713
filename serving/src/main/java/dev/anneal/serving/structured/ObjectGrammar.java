package dev.anneal.serving.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * An object: either the declared properties only, in declared order, each optional one free to be
 * left out and every required one present; or, without declared properties, any keys with any
 * values.
 *
 * <p>Writing properties in declared order keeps the automaton's state a single index and makes the
 * cost of finishing the object exact; it costs nothing in validity, since JSON objects are
 * unordered. Costs below count bytes and include the closing brace.
 */
final class ObjectGrammar implements JsonGrammar {

    /**
     * A declared property.
     *
     * @param name the property name
     * @param value what its value may be
     * @param required whether it must be present
     */
    record Property(String name, JsonGrammar value, boolean required) {}

    /** Any keys, any values: {@code json_object} mode and {@code {"type": "object"}}. */
    static final ObjectGrammar ANY_KEYS = new ObjectGrammar(List.of(), true);

    /** The shortest key-value pair and close of a free-form object: {@code "":0}}. */
    private static final int ANY_KEYS_AFTER_COMMA = 5;

    /** {@code :0}} after a free-form key. */
    private static final int ANY_KEYS_AFTER_KEY = 3;

    private final List<Property> properties;
    private final boolean anyKeys;

    /** {@code closable[i]}: no required property at index {@code i} or later. */
    private final boolean[] closable;

    /** {@code afterValue[i]}: fewest bytes to close once properties before {@code i} are done. */
    private final int[] afterValue;

    /**
     * {@code keys[i]}: the keys that may come when properties before {@code i} are done: from
     * {@code i} up to the first required one, each ending with the cost of the rest of the object.
     */
    private final LiteralTrie[] keys;

    private final int openCost;

    private ObjectGrammar(List<Property> properties, boolean anyKeys) {
        this.properties = List.copyOf(properties);
        this.anyKeys = anyKeys;
        int n = this.properties.size();
        closable = new boolean[n + 1];
        afterValue = new int[n + 1];
        keys = new LiteralTrie[n];
        closable[n] = true;
        afterValue[n] = 1;
        for (int i = n - 1; i >= 0; i--) {
            closable[i] = closable[i + 1] && !this.properties.get(i).required();
            List<LiteralTrie.Literal> candidates = new ArrayList<>();
            for (int j = i; j < n; j++) {
                candidates.add(
                        new LiteralTrie.Literal(
                                CanonicalJson.quoted(this.properties.get(j).name()),
                                j,
                                afterKeyCost(j)));
                if (this.properties.get(j).required()) {
                    break;
                }
            }
            keys[i] = LiteralTrie.of(candidates);
            afterValue[i] =
                    Math.min(
                            closable[i] ? 1 : INFINITE,
                            JsonGrammar.add(1, keys[i].root().minCost()));
        }
        openCost =
                anyKeys
                        ? 1
                        : Math.min(
                                closable[0] ? 1 : INFINITE, n > 0 ? afterCommaCost(0) : INFINITE);
    }

    /**
     * An object of declared properties only.
     *
     * @param properties the properties, in the order they are written
     * @return the grammar
     */
    static ObjectGrammar of(List<Property> properties) {
        return new ObjectGrammar(properties, false);
    }

    /** Whether any key may be written (no declared properties). */
    boolean anyKeys() {
        return anyKeys;
    }

    /** The properties, in the order they are written. */
    List<Property> properties() {
        return properties;
    }

    /** Whether the object may close once the properties before {@code next} are done. */
    boolean canClose(int next) {
        return anyKeys || closable[next];
    }

    /** Whether another property may come once the properties before {@code next} are done. */
    boolean hasMore(int next) {
        return anyKeys || next < properties.size();
    }

    /** The keys that may come once the properties before {@code next} are done. */
    LiteralTrie keys(int next) {
        return keys[next];
    }

    /** The grammar of property {@code index}'s value (any value for free-form keys). */
    JsonGrammar value(int index) {
        return anyKeys ? AnyValue.INSTANCE : properties.get(index).value();
    }

    /** Fewest bytes to close, just after the opening brace. */
    int openCost() {
        return openCost;
    }

    /** Fewest bytes to close, just after the key of property {@code index}. */
    int afterKeyCost(int index) {
        if (anyKeys) {
            return ANY_KEYS_AFTER_KEY;
        }
        JsonGrammar value = properties.get(index).value();
        return JsonGrammar.add(1 + value.minLength(), afterValue[index + 1]);
    }

    /** Fewest bytes to close once the properties before {@code next} are done. */
    int afterValueCost(int next) {
        return anyKeys ? 1 : afterValue[next];
    }

    /** Fewest bytes to close just after a comma, the properties before {@code next} done. */
    int afterCommaCost(int next) {
        return anyKeys ? ANY_KEYS_AFTER_COMMA : keys[next].root().minCost();
    }

    @Override
    public int minLength() {
        return JsonGrammar.add(1, openCost);
    }
}
