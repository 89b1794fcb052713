package dev.anneal.tuner.tokenizer.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, as Hugging Face's {@code tojson} filter calls it: {@code
 * ensure_ascii=False} by default, separators {@code ", "} and {@code ": "} (or {@code ","} with an
 * indent), floats written as Python's {@code repr} writes them ({@code 1e-05}, {@code 2.0}).
 *
 * <p>Templates use it to write tool schemas and tool-call arguments into the prompt, so the bytes
 * must be the ones the model was trained on.
 *
 * @param ensureAscii whether to write non-ASCII characters as {@code \\uXXXX}
 * @param indent the indent of nested values, or {@code null} for one line
 * @param itemSeparator between items, {@code ", "} or {@code ","} with an indent by default
 * @param keySeparator between a key and its value, {@code ": "} by default
 * @param sortKeys whether to sort object keys
 */
record PythonJson(
        boolean ensureAscii,
        String indent,
        String itemSeparator,
        String keySeparator,
        boolean sortKeys) {

    /** {@code json.dumps(value, ensure_ascii=False)}. */
    static final PythonJson DEFAULT = new PythonJson(false, null, ", ", ": ", false);

    /**
     * The settings of a {@code json.dumps} call.
     *
     * @param ensureAscii {@code ensure_ascii}
     * @param indent {@code indent}: {@code null}, a number of spaces or a string
     * @param separators {@code separators}: {@code null} or a pair of strings
     * @param sortKeys {@code sort_keys}
     * @return the settings
     */
    static PythonJson of(boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        String indentText = null;
        if (indent instanceof Number n) {
            indentText = " ".repeat(Math.max(0, n.intValue()));
        } else if (indent != null) {
            indentText = indent.toString();
        }
        String item = indentText == null ? ", " : ",";
        String key = ": ";
        if (separators instanceof List<?> pair && pair.size() == 2) {
            item = String.valueOf(pair.get(0));
            key = String.valueOf(pair.get(1));
        }
        return new PythonJson(ensureAscii, indentText, item, key, sortKeys);
    }

    /**
     * Writes a value.
     *
     * @param value a map, collection, array, string, number, boolean or {@code null}; anything else
     *     is written as its string
     * @return the JSON text
     */
    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, 0, out);
        return out.toString();
    }

    private void write(Object value, int level, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(floatRepr(((Number) value).doubleValue()));
        } else if (value instanceof BigDecimal d) {
            out.append(floatRepr(d.doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
        } else if (value instanceof Map<?, ?> map) {
            writeObject(map, level, out);
        } else if (value instanceof Collection<?> items) {
            writeArray(new ArrayList<>(items), level, out);
        } else if (value instanceof Object[] items) {
            writeArray(List.of(items), level, out);
        } else {
            writeString(value.toString(), out);
        }
    }

    private void writeObject(Map<?, ?> map, int level, StringBuilder out) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) {
            entries.sort((a, b) -> key(a.getKey()).compareTo(key(b.getKey())));
        }
        out.append('{');
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            newline(level + 1, out);
            writeString(key(entries.get(i).getKey()), out);
            out.append(keySeparator);
            write(entries.get(i).getValue(), level + 1, out);
        }
        newline(level, out);
        out.append('}');
    }

    private void writeArray(List<?> items, int level, StringBuilder out) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            newline(level + 1, out);
            write(items.get(i), level + 1, out);
        }
        newline(level, out);
        out.append(']');
    }

    private void newline(int level, StringBuilder out) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(level));
        }
    }

    /** A key as Python writes it: strings as they are, {@code True} as {@code true}... */
    private static String key(Object key) {
        if (key == null) {
            return "null";
        }
        if (key instanceof Double || key instanceof Float) {
            return floatRepr(((Number) key).doubleValue());
        }
        return key.toString();
    }

    private void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that read back as the same double, in
     * positional notation for exponents from -4 to 15 and scientific notation otherwise.
     *
     * @param d the number
     * @return its text
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal rounded = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (rounded.doubleValue() == d) {
                shortest = rounded;
                break;
            }
        }
        shortest = shortest.stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int pointAt = digits.length() - shortest.scale();
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (pointAt > -4 && pointAt <= 16) {
            if (pointAt <= 0) {
                out.append("0.").append("0".repeat(-pointAt)).append(digits);
            } else if (pointAt >= digits.length()) {
                out.append(digits).append("0".repeat(pointAt - digits.length())).append(".0");
            } else {
                out.append(digits, 0, pointAt).append('.').append(digits.substring(pointAt));
            }
            return out.toString();
        }
        out.append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits.substring(1));
        }
        int exponent = pointAt - 1;
        out.append(exponent < 0 ? "e-" : "e+");
        String magnitude = Integer.toString(Math.abs(exponent));
        return out.append(magnitude.length() < 2 ? "0" + magnitude : magnitude).toString();
    }
}
