package dev.anneal.store.file.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Validates an uploaded JSONL dataset while it streams in: the caller pushes the body's chunks to
 * {@link #accept} as they arrive, then calls {@link #finish} once.
 *
 * <p>Lines are split in place in the caller's chunk; only a line cut by a chunk boundary is copied,
 * into one reused buffer of at most {@link JsonlLimits#maxLineBytes()} bytes (plus a few), so
 * memory is bounded by the line limit whatever the size of the file. A longer line is reported and
 * skipped up to its newline without being kept.
 *
 * <p>Not thread-safe: use one instance per upload, from one thread at a time.
 */
public final class JsonlValidator {

    /** Most errors collected; the result says when there were more. */
    public static final int MAX_ERRORS = 20;

    static final String BLANK_INSIDE = "blank line inside the file";
    static final String EMPTY_FILE = "file is empty";

    private static final int INITIAL_BUFFER_BYTES = 16 * 1024;

    /** Room beyond the limit for what is not counted in it: a byte-order mark and a \r. */
    private static final int BUFFER_SLACK = 4;

    private final JsonlLimits limits;
    private final DataLineChecker checker = new DataLineChecker();
    private final List<LineError> errors = new ArrayList<>();

    private byte[] lineBuffer = new byte[0];
    private int bufferedBytes;
    private boolean skippingLongLine;
    private long lineNumber = 1;
    private long dataLines;
    private long firstPendingBlankLine;
    private boolean moreErrors;
    private boolean lineLimitReached;
    private ValidationResult result;

    /** A validator for one upload, within these limits. */
    public JsonlValidator(JsonlLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Validates the next {@code len} bytes of the upload, {@code buf[off, off+len)}. The bytes are
     * read before this returns and not kept, so the caller may reuse {@code buf}.
     *
     * @throws IllegalStateException after {@link #finish}
     */
    public void accept(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (result != null) {
            throw new IllegalStateException("finish() was already called");
        }
        int end = off + len;
        int pos = off;
        while (pos < end && !lineLimitReached) {
            int newline = ByteScan.indexOf(buf, pos, end, (byte) '\n');
            if (newline < 0) {
                append(buf, pos, end - pos);
                return;
            }
            endLine(buf, pos, newline - pos);
            pos = newline + 1;
        }
    }

    /**
     * Validates what is left of the last line and returns the outcome. Further calls return the
     * same result. If the caller stopped feeding early, e.g. once {@link #isSaturated}, {@code
     * lines} counts only what was fed.
     */
    public ValidationResult finish() {
        if (result == null) {
            if (!lineLimitReached && (bufferedBytes > 0 || skippingLongLine)) {
                endLine(lineBuffer, 0, 0);
            }
            if (dataLines == 0) {
                report(1, null, EMPTY_FILE);
            }
            result = new ValidationResult(checker.format(), dataLines, errors, moreErrors);
            lineBuffer = null;
        }
        return result;
    }

    /**
     * Whether further input cannot change the outcome much: {@link #MAX_ERRORS} errors are
     * collected, or the file went past {@link JsonlLimits#maxLines()}. The caller may stop feeding.
     */
    public boolean isSaturated() {
        return errors.size() >= MAX_ERRORS || lineLimitReached;
    }

    /** Whether any error was found so far. */
    public boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** Size of the buffer for lines cut by chunk boundaries, for tests of bounded memory. */
    int lineBufferCapacity() {
        return lineBuffer == null ? 0 : lineBuffer.length;
    }

    /** Ends the current line with {@code b[off, off+len)}, newline excluded. */
    private void endLine(byte[] b, int off, int len) {
        if (!skippingLongLine) {
            if (bufferedBytes == 0) {
                checkLine(b, off, len);
            } else {
                append(b, off, len);
                if (!skippingLongLine) {
                    checkLine(lineBuffer, 0, bufferedBytes);
                }
            }
        }
        skippingLongLine = false;
        bufferedBytes = 0;
        lineNumber++;
    }

    /** Keeps the start of a line cut by a chunk boundary, unless the line is already too long. */
    private void append(byte[] b, int off, int len) {
        if (skippingLongLine) {
            return;
        }
        long needed = (long) bufferedBytes + len;
        if (needed > limits.maxLineBytes() + BUFFER_SLACK) {
            if (startDataLine()) {
                report(lineNumber, null, tooLong());
            }
            skippingLongLine = true;
            bufferedBytes = 0;
            return;
        }
        if (needed > lineBuffer.length) {
            long grown = Math.max(needed, Math.max(INITIAL_BUFFER_BYTES, 2L * lineBuffer.length));
            byte[] larger = new byte[(int) Math.min(grown, limits.maxLineBytes() + BUFFER_SLACK)];
            System.arraycopy(lineBuffer, 0, larger, 0, bufferedBytes);
            lineBuffer = larger;
        }
        System.arraycopy(b, off, lineBuffer, bufferedBytes, len);
        bufferedBytes = (int) needed;
    }

    private void checkLine(byte[] b, int off, int len) {
        if (lineNumber == 1 && ByteScan.startsWithBom(b, off, len)) {
            off += 3;
            len -= 3;
        }
        if (len > 0 && b[off + len - 1] == '\r') {
            len--;
        }
        if (ByteScan.isBlank(b, off, len)) {
            if (firstPendingBlankLine == 0) {
                firstPendingBlankLine = lineNumber;
            }
            return;
        }
        if (!startDataLine()) {
            return;
        }
        if (len > limits.maxLineBytes()) {
            report(lineNumber, null, tooLong());
        } else if (!moreErrors) {
            // Past the error cap only the line count still matters.
            LineViolation violation = checker.check(b, off, len, lineNumber);
            if (violation != null) {
                report(lineNumber, violation.field(), violation.reason());
            }
        }
    }

    /** Counts a data line; returns false when it is one too many and input must stop. */
    private boolean startDataLine() {
        if (firstPendingBlankLine != 0) {
            report(firstPendingBlankLine, null, BLANK_INSIDE);
            firstPendingBlankLine = 0;
        }
        if (dataLines == limits.maxLines()) {
            report(lineNumber, null, "file has more than " + limits.maxLines() + " lines");
            lineLimitReached = true;
            return false;
        }
        dataLines++;
        return true;
    }

    private String tooLong() {
        return "line is longer than " + limits.maxLineBytes() + " bytes";
    }

    private void report(long line, String field, String reason) {
        if (errors.size() < MAX_ERRORS) {
            errors.add(new LineError(line, field, reason));
        } else {
            moreErrors = true;
        }
    }
}
