package dev.anneal.store.file.format;

/**
 * Size limits of an uploaded JSONL dataset. The validator's memory is bounded by {@code
 * maxLineBytes}, whatever the size of the file.
 *
 * @param maxLineBytes longest accepted line in bytes, line ending excluded; at most 1 GiB
 * @param maxLines most data (non-blank) lines accepted in one file
 */
public record JsonlLimits(int maxLineBytes, long maxLines) {

    /** Largest {@code maxLineBytes} accepted, so that one line always fits in a byte array. */
    public static final int MAX_LINE_BYTES_CEILING = 1 << 30;

    /** 8 MiB per line and 10 million lines. */
    public static final JsonlLimits DEFAULTS = new JsonlLimits(8 * 1024 * 1024, 10_000_000L);

    /** Validates that both limits are positive and that a line fits in memory. */
    public JsonlLimits {
        if (maxLineBytes < 1 || maxLineBytes > MAX_LINE_BYTES_CEILING) {
            throw new IllegalArgumentException(
                    "maxLineBytes must be between 1 and "
                            + MAX_LINE_BYTES_CEILING
                            + ", was "
                            + maxLineBytes);
        }
        if (maxLines < 1) {
            throw new IllegalArgumentException("maxLines must be positive, was " + maxLines);
        }
    }
}
