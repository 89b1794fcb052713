package dev.anneal.store.file.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The fast path of validation, for the line nearly every chat dataset is made of: {@code
 * {"messages":[{"role":"…","content":"…"},…]}}, each message with exactly a {@code role} ({@code
 * system}, {@code user} or {@code assistant}, written without escapes) and a string {@code
 * content}, in either order, at least one from the assistant, JSON whitespace anywhere between
 * tokens.
 *
 * <p>It answers only "valid chat line" or "not sure": every line it accepts is one that the full
 * path ({@link JsonLineParser}, {@link LineSchema}) accepts as chat, and anything else (another
 * key, a number, a content list, a control character, an escaped surrogate, a syntax error) goes to
 * the full path, which finds and words the problem, if there is one. So the outcome never depends
 * on which path a line took. UTF-8 is checked on the way ({@link ByteScan#afterSequence}, the full
 * path's rule): only strings may hold bytes above 0x7F.
 *
 * <p>Message text is scanned eight bytes at a time for the only bytes that matter inside a string
 * (quote, backslash, control characters, the start of a multi-byte character), which is what makes
 * this path several times faster than a token stream. Reused line after line; not thread-safe.
 */
final class PlainChatLine {

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long QUOTES = '"' * ONES;
    private static final long BACKSLASHES = '\\' * ONES;
    private static final long SPACES = 0x20 * ONES;

    private static final byte[] MESSAGES = ascii("\"messages\"");
    private static final byte[] ROLE = ascii("\"role\"");
    private static final byte[] CONTENT = ascii("\"content\"");
    private static final byte[] SYSTEM = ascii("\"system\"");
    private static final byte[] USER = ascii("\"user\"");
    private static final byte[] ASSISTANT = ascii("\"assistant\"");

    private static final int NOT_SURE = -1;

    private byte[] b;
    private int end;
    private boolean assistant;

    /**
     * Whether {@code b[off, off+len)}, the line without its line ending, is a plain chat line in
     * well-formed UTF-8 that the full path would accept; {@code false} means only "not sure".
     */
    boolean accepts(byte[] bytes, int off, int len) {
        b = bytes;
        end = off + len;
        try {
            int i = token(off, '{');
            i = literal(i, MESSAGES);
            i = token(i, ':');
            i = token(i, '[');
            boolean anyAssistant = false;
            while (i >= 0) {
                i = message(i);
                anyAssistant |= assistant;
                i = skipWhitespace(i);
                if (i < 0 || i >= end || b[i] != ',') {
                    break;
                }
                i++;
            }
            i = token(i, ']');
            i = token(i, '}');
            return i >= 0 && skipWhitespace(i) == end && anyAssistant;
        } finally {
            b = null;
        }
    }

    /**
     * After one message object starting at {@code i} (after whitespace); sets {@link #assistant}.
     */
    private int message(int i) {
        assistant = false;
        i = token(i, '{');
        boolean role = false;
        boolean content = false;
        for (int member = 0; member < 2 && i >= 0; member++) {
            if (member == 1) {
                i = token(i, ',');
            }
            int afterKey;
            if (!role && (afterKey = literal(i, ROLE)) >= 0) {
                role = true;
                i = role(token(afterKey, ':'));
            } else if (!content && (afterKey = literal(i, CONTENT)) >= 0) {
                content = true;
                i = token(afterKey, ':');
                i = skipWhitespace(i);
                i = i >= 0 && i < end && b[i] == '"' ? afterString(i + 1) : NOT_SURE;
            } else {
                return NOT_SURE;
            }
        }
        return token(i, '}');
    }

    /** After a role value starting at {@code i} (whitespace allowed before it). */
    private int role(int i) {
        i = skipWhitespace(i);
        int after;
        if ((after = literal(i, ASSISTANT)) >= 0) {
            assistant = true;
            return after;
        }
        if ((after = literal(i, USER)) >= 0) {
            return after;
        }
        return literal(i, SYSTEM);
    }

    /** After {@code expected} at {@code i} once whitespace is skipped, or {@link #NOT_SURE}. */
    private int token(int i, char expected) {
        i = skipWhitespace(i);
        return i >= 0 && i < end && b[i] == expected ? i + 1 : NOT_SURE;
    }

    /** After the bytes of {@code literal} at {@code i} once whitespace is skipped. */
    private int literal(int i, byte[] literal) {
        i = skipWhitespace(i);
        if (i < 0 || end - i < literal.length) {
            return NOT_SURE;
        }
        for (int k = 0; k < literal.length; k++) {
            if (b[i + k] != literal[k]) {
                return NOT_SURE;
            }
        }
        return i + literal.length;
    }

    private int skipWhitespace(int i) {
        if (i < 0) {
            return NOT_SURE;
        }
        while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r')) {
            i++;
        }
        return i;
    }

    /** After the closing quote of the string whose first byte after the quote is at {@code i}. */
    private int afterString(int i) {
        while (true) {
            i = nextSpecial(i);
            if (i >= end) {
                return NOT_SURE;
            }
            byte c = b[i];
            if (c == '"') {
                return i + 1;
            }
            if (c < 0) {
                i = afterNonAscii(i);
            } else if (c == '\\') {
                i = afterEscape(i + 1);
            } else {
                return NOT_SURE; // a control character: not allowed unescaped
            }
            if (i < 0) {
                return NOT_SURE;
            }
        }
    }

    /**
     * Index of the first quote, backslash, byte below 0x20 or above 0x7F from {@code i}, or {@link
     * #end}. Each test is the classic SWAR "has a zero (or smaller) byte" or the high bit itself,
     * each exact for the lowest byte it flags, so the lowest flag of them together is exact too.
     */
    private int nextSpecial(int i) {
        for (; i <= end - Long.BYTES; i += Long.BYTES) {
            long word = (long) LONGS.get(b, i);
            long quotes = word ^ QUOTES;
            long backslashes = word ^ BACKSLASHES;
            long flags =
                    ((quotes - ONES) & ~quotes
                                    | (backslashes - ONES) & ~backslashes
                                    | (word - SPACES) & ~word
                                    | word)
                            & HIGH_BITS;
            if (flags != 0) {
                return i + (Long.numberOfTrailingZeros(flags) >>> 3);
            }
        }
        for (; i < end; i++) {
            byte c = b[i];
            if (c == '"' || c == '\\' || c < 0x20) {
                return i;
            }
        }
        return end;
    }

    /**
     * After the run of multi-byte characters starting at {@code i}, each checked: text in most
     * scripts but Latin is such runs throughout.
     */
    private int afterNonAscii(int i) {
        do {
            i = ByteScan.afterSequence(b, i, end);
        } while (i >= 0 && i < end && b[i] < 0);
        return i;
    }

    /**
     * After the escape whose letter is at {@code i}; an escaped surrogate is left to the full path.
     */
    private int afterEscape(int i) {
        if (i >= end) {
            return NOT_SURE;
        }
        switch (b[i]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return i + 1;
            }
            case 'u' -> {
                if (end - i < 5) {
                    return NOT_SURE;
                }
                int code = 0;
                for (int k = 1; k <= 4; k++) {
                    int digit = Character.digit(b[i + k], 16);
                    if (digit < 0) {
                        return NOT_SURE;
                    }
                    code = code << 4 | digit;
                }
                return code >= 0xD800 && code <= 0xDFFF ? NOT_SURE : i + 5;
            }
            default -> {
                return NOT_SURE;
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
