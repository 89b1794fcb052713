package dev.anneal.store.file.format;

import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.LineFormat;

/**
 * Checks the content of one data line: the plain chat line's fast path ({@link PlainChatLine}), or
 * else UTF-8, JSON (one pass of the token stream into a {@link LineShape}), format detection (the
 * engine's {@link LineFormat#detect}) and the format's rules. Remembers the file's format, set by
 * the first line whose format could be detected. Not thread-safe.
 */
final class DataLineChecker {

    static final String INVALID_UTF8 = "invalid UTF-8";

    private final PlainChatLine plainChat = new PlainChatLine();
    private final LineShape line = new LineShape();
    private DatasetFormat fileFormat;
    private long formatLine;

    /** The file's format so far, or {@code null}. */
    DatasetFormat format() {
        return fileFormat;
    }

    /**
     * The first problem of the line {@code b[off, off+len)}, line ending excluded, or {@code null}
     * when it is fine.
     */
    LineViolation check(byte[] b, int off, int len, long lineNumber) {
        try {
            if ((fileFormat == null || fileFormat == DatasetFormat.CHAT)
                    && plainChat.accepts(b, off, len)) {
                setFormat(DatasetFormat.CHAT, lineNumber);
                return null;
            }
            if (!ByteScan.isValidUtf8(b, off, len)) {
                return new LineViolation(null, INVALID_UTF8);
            }
            JsonLineParser.read(b, off, len, line);
            DatasetFormat format;
            try {
                format =
                        DatasetFormat.of(
                                LineFormat.detect(
                                        line.top::has,
                                        fileFormat == null ? null : fileFormat.lineFormat()));
            } catch (InvalidTrainingDataException e) {
                return new LineViolation(e.field(), e.reason());
            }
            if (fileFormat == null) {
                setFormat(format, lineNumber);
            } else if (format != fileFormat) {
                return new LineViolation(
                        null,
                        "format differs from line "
                                + formatLine
                                + " ("
                                + fileFormat.wireName()
                                + "): this line is "
                                + format.wireName());
            }
            LineSchema.check(line, format);
            return null;
        } catch (LineViolation violation) {
            return violation;
        }
    }

    private void setFormat(DatasetFormat format, long lineNumber) {
        if (fileFormat == null) {
            fileFormat = format;
            formatLine = lineNumber;
        }
    }
}
