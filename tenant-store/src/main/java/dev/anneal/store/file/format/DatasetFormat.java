package dev.anneal.store.file.format;

import dev.anneal.tuner.data.LineFormat;
import java.util.Objects;

/**
 * The format of a stored dataset, as the API shows it and the file's row keeps it. Each is one of
 * the engine's {@link LineFormat}s, whose {@link LineFormat#detect} is the one rule that tells a
 * line's format, at upload and in training alike.
 */
public enum DatasetFormat {
    /** {@code {"messages":[{"role":"user","content":"…"},…]}}. */
    CHAT(LineFormat.CHAT),
    /** {@code {"prompt":"…","completion":"…"}}. */
    PROMPT_COMPLETION(LineFormat.PROMPT_COMPLETION),
    /**
     * {@code {"input":{"messages":[…]},"preferred_output":[…],"non_preferred_output":[…]}} or
     * {@code {"prompt":"…","chosen":"…","rejected":"…"}}.
     */
    PREFERENCE(LineFormat.PREFERENCE),
    /** {@code {"text":"…"}}. */
    TEXT(LineFormat.TEXT);

    private final LineFormat lineFormat;

    DatasetFormat(LineFormat lineFormat) {
        this.lineFormat = lineFormat;
    }

    /** The engine's format of the dataset's lines. */
    public LineFormat lineFormat() {
        return lineFormat;
    }

    /** The name used in the API and in stored metadata, e.g. {@code prompt_completion}. */
    public String wireName() {
        return lineFormat.wireName();
    }

    /** The stored format of lines of the engine's {@code format}. */
    public static DatasetFormat of(LineFormat format) {
        Objects.requireNonNull(format, "format");
        for (DatasetFormat candidate : values()) {
            if (candidate.lineFormat == format) {
                return candidate;
            }
        }
        throw new AssertionError("no dataset format for " + format);
    }

    /**
     * The format with this wire name.
     *
     * @throws IllegalArgumentException when no format has this name
     */
    public static DatasetFormat fromWireName(String wireName) {
        return of(LineFormat.fromWireName(wireName));
    }
}
