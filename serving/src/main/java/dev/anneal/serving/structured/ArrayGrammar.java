package dev.anneal.serving.structured;

/**
 * An array whose items all follow one grammar, with between {@code minItems} and {@code maxItems}
 * of them. Costs count bytes and include the closing bracket.
 */
final class ArrayGrammar implements JsonGrammar {

    /** Any number of any values: the arrays inside free-form JSON. */
    static final ArrayGrammar ANY_ITEMS = new ArrayGrammar(AnyValue.INSTANCE, 0, Integer.MAX_VALUE);

    private final JsonGrammar items;
    private final int minItems;
    private final int maxItems;

    /**
     * Creates the grammar.
     *
     * @param items what each item may be
     * @param minItems the fewest items, 0 or more
     * @param maxItems the most items, at least {@code minItems}
     */
    ArrayGrammar(JsonGrammar items, int minItems, int maxItems) {
        if (minItems < 0 || maxItems < minItems) {
            throw new IllegalArgumentException(
                    "Bad item bounds [" + minItems + ", " + maxItems + "]");
        }
        this.items = items;
        this.minItems = minItems;
        this.maxItems = maxItems;
    }

    /** What each item may be. */
    JsonGrammar items() {
        return items;
    }

    /** Whether the array may close after {@code count} items. */
    boolean canClose(int count) {
        return count >= minItems;
    }

    /** Whether another item may follow {@code count} items. */
    boolean canAdd(int count) {
        return count < maxItems;
    }

    /** Fewest bytes to close, just after the opening bracket. */
    int openCost() {
        return minItems == 0 ? 1 : JsonGrammar.add(items.minLength(), afterValueCost(1));
    }

    /** Fewest bytes to close after {@code count} items. */
    int afterValueCost(int count) {
        if (count >= minItems) {
            return 1;
        }
        long missing = (long) (minItems - count) * JsonGrammar.add(1, items.minLength());
        return (int) Math.min(INFINITE, missing + 1);
    }

    /** Fewest bytes to close after {@code count} items and a comma. */
    int afterCommaCost(int count) {
        return JsonGrammar.add(items.minLength(), afterValueCost(count + 1));
    }

    @Override
    public int minLength() {
        return JsonGrammar.add(1, openCost());
    }
}
