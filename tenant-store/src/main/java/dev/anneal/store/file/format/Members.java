package dev.anneal.store.file.format;

import com.fasterxml.jackson.core.JsonToken;
import java.util.Arrays;
import java.util.Set;

/**
 * The members of one JSON object as the streaming pass saw them, in document order: each key with
 * the first token of its value (its kind), and for strings whether they were empty. Reused line
 * after line; not thread-safe.
 */
final class Members {

    private String[] names = new String[8];
    private JsonToken[] kinds = new JsonToken[8];
    private boolean[] emptyStrings = new boolean[8];
    private int size;

    void clear() {
        size = 0;
    }

    void add(String name, JsonToken kind) {
        if (size == names.length) {
            names = Arrays.copyOf(names, 2 * size);
            kinds = Arrays.copyOf(kinds, 2 * size);
            emptyStrings = Arrays.copyOf(emptyStrings, 2 * size);
        }
        names[size] = name;
        kinds[size] = kind;
        emptyStrings[size] = false;
        size++;
    }

    /** Marks the value of the member added last as the empty string. */
    void markLastEmpty() {
        emptyStrings[size - 1] = true;
    }

    boolean has(String name) {
        return indexOf(name) >= 0;
    }

    /** The kind of the value of {@code name}, or {@code null} when the key is absent. */
    JsonToken kind(String name) {
        int i = indexOf(name);
        return i < 0 ? null : kinds[i];
    }

    /** Whether {@code name} holds the empty string. */
    boolean isEmptyString(String name) {
        int i = indexOf(name);
        return i >= 0 && emptyStrings[i];
    }

    /** The first key outside {@code allowed}, or {@code null}. */
    String firstOutside(Set<String> allowed) {
        for (int i = 0; i < size; i++) {
            if (!allowed.contains(names[i])) {
                return names[i];
            }
        }
        return null;
    }

    private int indexOf(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
