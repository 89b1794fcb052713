package dev.anneal.tuner.tokenizer.jinja;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Carries control characters through a Jinjava render unchanged. Jinjava prints a value through its
 * "pyish" JSON serialisation and unescapes only quotes, backslashes, {@code \\t}, {@code \\n},
 * {@code \\f} and {@code \\r}, so a message holding any other C0 control character (a bell, a
 * backspace, an escape: what a small model's random answer is full of) came out as {@code \\u0007}
 * or {@code \\b}, where Jinja2 writes the character itself; the rendered conversation then no
 * longer contained the message, and its tokens were not trained on.
 *
 * <p>Before the render, each such character in the values becomes a character of the last
 * private-use plane ({@code U+10FF00} + its code), which Jinjava prints as it is; after it, they
 * become the control characters again. Values that already hold one of those 32 placeholders are
 * left alone (and render as Jinjava renders them). Template code that inspects a control character
 * itself sees the placeholder: Python's {@code strip()} would remove {@code \\x0b} and {@code
 * \\x1c}-{@code \\x1f} at the ends of a message, here they stay.
 */
final class ControlCharacters {

    private static final int PLACEHOLDERS = 0x10FF00;

    private ControlCharacters() {}

    /** Whether a control character of {@code c} is one Jinjava would escape. */
    private static boolean escaped(int c) {
        return c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r';
    }

    /** Whether any string in {@code value} holds a placeholder already. */
    static boolean anyPlaceholderIn(Object value) {
        if (value instanceof String text) {
            return text.codePoints().anyMatch(c -> c >= PLACEHOLDERS && c < PLACEHOLDERS + 0x20);
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (anyPlaceholderIn(entry.getKey()) || anyPlaceholderIn(entry.getValue())) {
                    return true;
                }
            }
            return false;
        }
        if (value instanceof Collection<?> items) {
            for (Object item : items) {
                if (anyPlaceholderIn(item)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code value} with every escaped control character in its strings replaced. */
    static Object shield(Object value) {
        return deep(value, true);
    }

    /**
     * {@code value} as it was before {@link #shield}: for filters that write characters as escapes
     * themselves ({@code tojson} writes a bell as {@code \u0007}, as Jinja2's does).
     */
    static Object reveal(Object value) {
        return deep(value, false);
    }

    private static Object deep(Object value, boolean toPlaceholders) {
        if (value instanceof String text) {
            return map(text, toPlaceholders);
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(deep(k, toPlaceholders), deep(v, toPlaceholders)));
            return copy;
        }
        if (value instanceof List<?> items) {
            List<Object> copy = new ArrayList<>(items.size());
            items.forEach(item -> copy.add(deep(item, toPlaceholders)));
            return copy;
        }
        return value;
    }

    /** The rendered text with the placeholders turned back into control characters. */
    static String unshield(String text) {
        return map(text, false);
    }

    private static String map(String text, boolean toPlaceholders) {
        if (toPlaceholders
                ? text.chars().noneMatch(ControlCharacters::escaped)
                : text.codePoints().noneMatch(c -> c >= PLACEHOLDERS && c < PLACEHOLDERS + 0x20)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.codePoints()
                .forEach(
                        c -> {
                            if (toPlaceholders && escaped(c)) {
                                out.appendCodePoint(PLACEHOLDERS + c);
                            } else if (!toPlaceholders
                                    && c >= PLACEHOLDERS
                                    && c < PLACEHOLDERS + 0x20) {
                                out.append((char) (c - PLACEHOLDERS));
                            } else {
                                out.appendCodePoint(c);
                            }
                        });
        return out.toString();
    }
}
