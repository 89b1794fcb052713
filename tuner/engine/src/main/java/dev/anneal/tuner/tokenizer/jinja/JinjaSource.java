package dev.anneal.tuner.tokenizer.jinja;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A template's source rewritten for Jinjava so that it renders the same bytes as Jinja2 configured
 * like Hugging Face's {@code apply_chat_template} ({@code trim_blocks=True}, {@code
 * lstrip_blocks=True}, {@code keep_trailing_newline=False}): Jinja2's lexer whitespace rules are
 * applied here, and every {@code {{ expression }}} prints through {@link #PRINT_FUNCTION}, which
 * writes booleans as Python does ({@code True}, not Jinjava's {@code true}).
 *
 * <p>Jinjava has these options but applies them differently: {@code lstrip_blocks} strips spaces
 * before a block tag in the middle of a line too, <code>&#123;%+</code> is unknown, and a single
 * trailing newline is kept. Rather than patching each case, the rules are applied here once, as
 * {@code jinja2/lexer.py} does, and the tags are written back without their {@code -} and {@code +}
 * markers:
 *
 * <ul>
 *   <li>newlines are {@code \n}; one trailing newline of the source is dropped;
 *   <li><code>&#123;%-</code>, <code>&#123;&#123;-</code>, <code>&#123;#-</code> strip all
 *       whitespace before the tag; <code>-%&#125;</code>, <code>-&#125;&#125;</code>, <code>
 *       -#&#125;</code> all whitespace after it;
 *   <li>{@code lstrip_blocks}: whitespace between the start of a line and a block or comment tag is
 *       removed, unless the tag opens with <code>&#123;%+</code>;
 *   <li>{@code trim_blocks}: the first newline after a block or comment tag is removed, unless the
 *       tag closes with <code>+%&#125;</code>;
 *   <li>comments are dropped; {@code {% raw %}} content is copied without looking for tags.
 * </ul>
 *
 * <p>The rewrite also lists the filters and tests the template names, since Jinjava renders an
 * unknown one as nothing where Jinja2 refuses the template.
 *
 * <p>"Whitespace" is Python's {@code str.isspace()} ({@link PythonStrings#isSpace}), as in the
 * lexer's {@code \s}. Inside a tag, string literals and brackets are skipped when looking for the
 * tag's end, like Jinja2's balancing of brackets.
 *
 * @param text the rewritten template
 * @param filters the names after {@code |}
 * @param tests the names after {@code is} and {@code is not}
 */
record JinjaSource(String text, Set<String> filters, Set<String> tests) {

    /** The function every printed expression goes through. */
    static final String PRINT_FUNCTION = "_anneal_print";

    private static final Pattern FILTER = Pattern.compile("\\|\\s*([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern TEST =
            Pattern.compile("\\bis\\s+(?:not\\s+)?([A-Za-z_][A-Za-z0-9_]*)");

    /** Copies the name sets. */
    JinjaSource {
        filters = Set.copyOf(filters);
        tests = Set.copyOf(tests);
    }

    /**
     * Rewrites a template.
     *
     * @param source the template as written
     * @return the template with the whitespace Jinja2 would drop dropped, no {@code -}/{@code +}
     *     markers and no comments, each expression printed through {@link #PRINT_FUNCTION}; with
     *     the names of the filters and tests it uses (which Jinjava would silently skip if unknown)
     * @throws JinjaTemplateException if a tag or comment is not closed
     */
    static JinjaSource forJinjava(String source) {
        String text = source.replace("\r\n", "\n").replace('\r', '\n');
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        Scanner scanner = new Scanner(text);
        String rewritten = scanner.run();
        return new JinjaSource(rewritten, scanner.filters, scanner.tests);
    }

    /** One pass over the source. Not thread-safe; used by one call of {@link #forJinjava}. */
    private static final class Scanner {
        private final String src;
        private final StringBuilder out = new StringBuilder();
        private final Set<String> filters = new TreeSet<>();
        private final Set<String> tests = new TreeSet<>();
        private int pos;
        private boolean lineStarting = true;

        Scanner(String src) {
            this.src = src;
        }

        String run() {
            while (pos < src.length()) {
                int tag = nextTagStart(pos);
                if (tag < 0) {
                    out.append(src, pos, src.length());
                    break;
                }
                char kind = src.charAt(tag + 1);
                char open = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
                out.append(textBefore(src.substring(pos, tag), kind, open));
                int bodyStart = tag + 2 + (open == '-' || open == '+' ? 1 : 0);
                if (kind == '#') {
                    comment(tag, bodyStart);
                } else {
                    tag(tag, kind, bodyStart);
                }
            }
            return out.toString();
        }

        /** The text before a tag, with the tag's opening whitespace rule applied. */
        private String textBefore(String text, char kind, char open) {
            if (open == '-') {
                return PythonStrings.rstrip(text, null);
            }
            if (open != '+' && kind != '{') {
                int lineStart = text.lastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && isBlank(text, lineStart)) {
                    return text.substring(0, lineStart);
                }
            }
            return text;
        }

        private void comment(int tag, int bodyStart) {
            int end = src.indexOf("#}", bodyStart);
            if (end < 0) {
                throw new JinjaTemplateException(
                        "Comment opened at " + where(tag) + " is not closed");
            }
            char close = src.charAt(end - 1);
            afterTag(end + 2, end > bodyStart ? close : 0, true);
        }

        private void tag(int tag, char kind, int bodyStart) {
            String closing = kind == '{' ? "}}" : "%}";
            int end = tagEnd(bodyStart, closing, tag);
            char close = end > bodyStart ? src.charAt(end - 1) : 0;
            int bodyEnd = close == '-' || (close == '+' && kind == '%') ? end - 1 : end;
            String body = src.substring(bodyStart, bodyEnd);
            collectNames(body);
            if (kind == '{') {
                out.append("{{")
                        .append(PRINT_FUNCTION)
                        .append('(')
                        .append(separateClosingBraces(body))
                        .append(")}}");
            } else {
                out.append("{%").append(body).append("%}");
            }
            afterTag(end + 2, close, kind == '%');
            if (kind == '%' && body.strip().equals("raw")) {
                raw(tag);
            }
        }

        /**
         * Writes {@code }}} outside string literals as {@code } }}: Jinjava ends an expression at
         * the first {@code }}}, even inside a dict literal such as {@code {'a': {'b': 1}}}.
         */
        private static String separateClosingBraces(String body) {
            StringBuilder out = new StringBuilder(body.length());
            char quote = 0;
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                out.append(c);
                if (quote != 0) {
                    if (c == '\\' && i + 1 < body.length()) {
                        out.append(body.charAt(++i));
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '}' && i + 1 < body.length() && body.charAt(i + 1) == '}') {
                    out.append(' ');
                }
            }
            return out.toString();
        }

        /** Records the filters and tests a tag's body names, outside its string literals. */
        private void collectNames(String body) {
            StringBuilder code = new StringBuilder(body.length());
            char quote = 0;
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                        code.append(c);
                    }
                } else {
                    if (c == '\'' || c == '"') {
                        quote = c;
                    }
                    code.append(c);
                }
            }
            Matcher filter = FILTER.matcher(code);
            while (filter.find()) {
                filters.add(filter.group(1));
            }
            Matcher test = TEST.matcher(code);
            while (test.find()) {
                tests.add(test.group(1));
            }
        }

        /** Applies the closing rule of a tag that ends just before {@code next}. */
        private void afterTag(int next, char close, boolean block) {
            int start = next;
            if (close == '-') {
                while (next < src.length() && PythonStrings.isSpace(src.charAt(next))) {
                    next++;
                }
            } else if (block && close != '+' && next < src.length() && src.charAt(next) == '\n') {
                next++;
            }
            lineStarting = next > start && src.charAt(next - 1) == '\n';
            pos = next;
        }

        /** Copies raw text up to {@code {% endraw %}}, which the main loop then handles. */
        private void raw(int tag) {
            int search = pos;
            while (true) {
                int candidate = src.indexOf("{%", search);
                if (candidate < 0) {
                    throw new JinjaTemplateException(
                            "Raw block opened at " + where(tag) + " has no endraw");
                }
                int word = candidate + 2;
                if (word < src.length() && (src.charAt(word) == '-' || src.charAt(word) == '+')) {
                    word++;
                }
                if (src.startsWith("endraw", skipSpaces(word))) {
                    char open = src.charAt(candidate + 2);
                    out.append(textBefore(src.substring(pos, candidate), '%', open));
                    pos = candidate;
                    int bodyStart = candidate + 2 + (open == '-' || open == '+' ? 1 : 0);
                    tag(candidate, '%', bodyStart);
                    return;
                }
                search = candidate + 2;
            }
        }

        private int nextTagStart(int from) {
            int at = src.indexOf('{', from);
            while (at >= 0 && at + 1 < src.length()) {
                char next = src.charAt(at + 1);
                if (next == '{' || next == '%' || next == '#') {
                    return at;
                }
                at = src.indexOf('{', at + 1);
            }
            return -1;
        }

        /** The index of the closing delimiter, skipping strings and balanced brackets. */
        private int tagEnd(int from, String closing, int tag) {
            int depth = 0;
            int i = from;
            while (i < src.length()) {
                char c = src.charAt(i);
                if (c == '\'' || c == '"') {
                    i = stringEnd(i, tag);
                    continue;
                }
                if (depth == 0 && src.startsWith(closing, i)) {
                    return i;
                }
                if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                    depth--;
                }
                i++;
            }
            throw new JinjaTemplateException(
                    "Tag opened at " + where(tag) + " is not closed with " + closing);
        }

        private int stringEnd(int quote, int tag) {
            char q = src.charAt(quote);
            for (int i = quote + 1; i < src.length(); i++) {
                char c = src.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == q) {
                    return i + 1;
                }
            }
            throw new JinjaTemplateException(
                    "String in the tag opened at " + where(tag) + " is not closed");
        }

        private int skipSpaces(int i) {
            while (i < src.length() && PythonStrings.isSpace(src.charAt(i))) {
                i++;
            }
            return i;
        }

        private static boolean isBlank(String text, int from) {
            for (int i = from; i < text.length(); i++) {
                if (!PythonStrings.isSpace(text.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        private String where(int index) {
            int line = 1;
            for (int i = 0; i < index; i++) {
                if (src.charAt(i) == '\n') {
                    line++;
                }
            }
            return "line " + line;
        }
    }
}
