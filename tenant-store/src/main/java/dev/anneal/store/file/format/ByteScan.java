package dev.anneal.store.file.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Byte-level scans of upload chunks: a given byte (newlines, the multipart reader's delimiters),
 * blank lines and UTF-8 well-formedness. The hot loops read eight bytes at a time as one {@code
 * long} (SWAR), because they run over every byte of every upload.
 */
public final class ByteScan {

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    private ByteScan() {}

    /** Index of the first {@code value} in {@code b[from, to)}, or -1. */
    public static int indexOf(byte[] b, int from, int to, byte value) {
        long pattern = (value & 0xFFL) * ONES;
        int i = from;
        for (; i <= to - Long.BYTES; i += Long.BYTES) {
            long word = (long) LONGS.get(b, i) ^ pattern;
            // Classic "has zero byte": exact for the lowest zero byte, which is all we need.
            long zeros = (word - ONES) & ~word & HIGH_BITS;
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code b[off, off+len)} holds only JSON whitespace other than newlines. */
    static boolean isBlank(byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            byte c = b[i];
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code b[off, off+len)} starts with the UTF-8 byte-order mark EF BB BF. */
    static boolean startsWithBom(byte[] b, int off, int len) {
        return len >= 3
                && b[off] == (byte) 0xEF
                && b[off + 1] == (byte) 0xBB
                && b[off + 2] == (byte) 0xBF;
    }

    /**
     * Whether {@code b[off, off+len)} is well-formed UTF-8 (Unicode table 3-7): no stray
     * continuation bytes, no overlong forms, no surrogates, nothing above U+10FFFF, no sequence cut
     * at the end.
     */
    static boolean isValidUtf8(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            for (; i <= end - Long.BYTES; i += Long.BYTES) {
                if (((long) LONGS.get(b, i) & HIGH_BITS) != 0) {
                    break;
                }
            }
            while (i < end && b[i] >= 0) {
                i++;
            }
            if (i == end) {
                return true;
            }
            i = afterSequence(b, i, end);
            if (i < 0) {
                return false;
            }
        }
        return true;
    }

    /** Index after the multi-byte sequence starting at {@code i}, or -1 if it is malformed. */
    static int afterSequence(byte[] b, int i, int end) {
        int lead = b[i] & 0xFF;
        int length;
        int min = 0x80;
        int max = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) {
                min = 0xA0; // overlong
            } else if (lead == 0xED) {
                max = 0x9F; // surrogates
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) {
                min = 0x90; // overlong
            } else if (lead == 0xF4) {
                max = 0x8F; // above U+10FFFF
            }
        } else {
            return -1;
        }
        if (i + length > end) {
            return -1;
        }
        int second = b[i + 1] & 0xFF;
        if (second < min || second > max) {
            return -1;
        }
        for (int k = 2; k < length; k++) {
            if ((b[i + k] & 0xC0) != 0x80) {
                return -1;
            }
        }
        return i + length;
    }
}
