package dev.anneal.serving.structured;

/**
 * Inside a string: plain characters, an escape ({@code \n}, {@code \}{@code uXXXX}), or the rest of
 * a multi-byte UTF-8 character. Control characters must be escaped; {@code \}{@code u} escapes of
 * UTF-16 surrogates ({@code D800} to {@code DFFF}) are refused, because a lone one is not text:
 * characters beyond the Basic Multilingual Plane are written as themselves.
 *
 * <p>Plain characters return the same frame, so a long string costs no allocation per byte. The
 * vocabulary only holds tokens of well-formed UTF-8, so the lead byte's count of continuation bytes
 * is all that is checked here.
 */
final class StringFrame extends Frame {

    private static final int NORMAL = 0;
    private static final int ESCAPE = 1;
    private static final int HEX = 2;
    private static final int HEX_AFTER_D = 3;
    private static final int UTF8 = 4;

    private final int kind;

    /** Hex digits read ({@link #HEX}) or continuation bytes still due ({@link #UTF8}). */
    private final int count;

    /** The plain state of this string, to return to after an escape or a character. */
    private final StringFrame normal;

    private StringFrame(Frame parent, int kind, int count, StringFrame normal) {
        super(parent, localCost(kind, count));
        this.kind = kind;
        this.count = count;
        this.normal = normal == null ? this : normal;
    }

    /** Just after the opening quote. */
    static Frame open(Frame parent) {
        return new StringFrame(parent, NORMAL, 0, null);
    }

    private static int localCost(int kind, int count) {
        return switch (kind) {
            case NORMAL -> 1; // "
            case ESCAPE -> 2; // n"
            case HEX, HEX_AFTER_D -> 4 - count + 1; // the missing hex digits, then "
            default -> count + 1; // the missing continuation bytes, then "
        };
    }

    @Override
    boolean isStringContent() {
        return kind == NORMAL;
    }

    @Override
    Frame step(int b) {
        switch (kind) {
            case NORMAL:
                if (b == '"') {
                    return parent;
                }
                if (b == '\\') {
                    return new StringFrame(parent, ESCAPE, 0, this);
                }
                if (b < 0x20) {
                    return null;
                }
                if (b < 0x80) {
                    return this;
                }
                int continuations = continuationBytes(b);
                return continuations < 0
                        ? null
                        : new StringFrame(parent, UTF8, continuations, this);
            case ESCAPE:
                if (b == 'u') {
                    return new StringFrame(parent, HEX, 0, normal);
                }
                return "\"\\/bfnrt".indexOf(b) >= 0 ? normal : null;
            case HEX:
            case HEX_AFTER_D:
                int digit = Character.digit(b, 16);
                if (digit < 0 || (kind == HEX_AFTER_D && digit >= 8)) {
                    return null;
                }
                if (count == 3) {
                    return normal;
                }
                int next = count == 0 && digit == 0xD ? HEX_AFTER_D : HEX;
                return new StringFrame(parent, next, count + 1, normal);
            default:
                if ((b & 0xC0) != 0x80) {
                    return null;
                }
                return count == 1 ? normal : new StringFrame(parent, UTF8, count - 1, normal);
        }
    }

    /** The continuation bytes after a UTF-8 lead byte, or -1 if it is not one. */
    private static int continuationBytes(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 1;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 2;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 3;
        }
        return -1;
    }
}
