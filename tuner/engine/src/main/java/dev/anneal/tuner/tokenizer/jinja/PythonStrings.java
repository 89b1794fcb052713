package dev.anneal.tuner.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code str} methods that chat templates call ({@code content.strip()}, {@code
 * .split('</think>')}, {@code .startswith('<tool_call>')}...), with Python's results where Java's
 * look-alikes differ: {@code strip} removes what {@code str.isspace()} calls whitespace (a
 * non-breaking space, not a control character), {@code split} takes a literal separator, not a
 * regular expression.
 *
 * <p>Strings are Java strings (UTF-16); the methods here never split a surrogate pair, since every
 * character they test or remove is in the Basic Multilingual Plane.
 */
public final class PythonStrings {

    private PythonStrings() {}

    /**
     * Python's {@code str.isspace()} for one character: {@code \t \n \u000b \f \r}, {@code
     * \u001c}–{@code \u001f}, the space separators (Unicode category Zs) and {@code \u0085 \u2028
     * \u2029}.
     *
     * @param c the character
     * @return whether Python counts it as whitespace
     */
    public static boolean isSpace(char c) {
        return (c >= '\t' && c <= '\r')
                || (c >= '\u001c' && c <= '\u001f')
                || c == '\u0085'
                || c == '\u2028'
                || c == '\u2029'
                || Character.getType(c) == Character.SPACE_SEPARATOR;
    }

    /**
     * {@code s.strip(chars)}.
     *
     * @param s the string
     * @param chars the characters to remove, or {@code null} for whitespace
     * @return the string without them at either end
     */
    public static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    /**
     * {@code s.lstrip(chars)}.
     *
     * @param s the string
     * @param chars the characters to remove, or {@code null} for whitespace
     * @return the string without them at its start
     */
    public static String lstrip(String s, String chars) {
        int start = 0;
        while (start < s.length() && removable(s.charAt(start), chars)) {
            start++;
        }
        return s.substring(start);
    }

    /**
     * {@code s.rstrip(chars)}.
     *
     * @param s the string
     * @param chars the characters to remove, or {@code null} for whitespace
     * @return the string without them at its end
     */
    public static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0 && removable(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(0, end);
    }

    /**
     * {@code s.split(sep, maxsplit)}.
     *
     * @param s the string
     * @param sep the literal separator, or {@code null} to split on runs of whitespace
     * @param maxsplit the most splits, or a negative number for no limit
     * @return the parts
     */
    public static List<String> split(String s, String sep, int maxsplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i == s.length()) {
                    return parts;
                }
                if (maxsplit >= 0 && parts.size() == maxsplit) {
                    parts.add(s.substring(i));
                    return parts;
                }
                int start = i;
                while (i < s.length() && !isSpace(s.charAt(i))) {
                    i++;
                }
                parts.add(s.substring(start, i));
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int start = 0;
        int at;
        while ((maxsplit < 0 || parts.size() < maxsplit) && (at = s.indexOf(sep, start)) >= 0) {
            parts.add(s.substring(start, at));
            start = at + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    /**
     * {@code s.title()}: each run of letters starts upper case, the rest lower case.
     *
     * @param s the string
     * @return the title-cased string
     */
    public static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean inWord = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(inWord ? Character.toLowerCase(c) : Character.toTitleCase(c));
            inWord = Character.isLetter(c);
        }
        return out.toString();
    }

    /**
     * {@code s.capitalize()}: the first character upper case, the rest lower case.
     *
     * @param s the string
     * @return the capitalised string
     */
    public static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
    }

    private static boolean removable(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }
}
