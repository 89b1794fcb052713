package dev.anneal.store.file.format;

import java.util.Objects;

/**
 * One problem found in an uploaded dataset.
 *
 * @param line 1-based physical line number in the file, blank lines included
 * @param field path of the offending value, e.g. {@code messages[1].role}, or {@code null} when the
 *     whole line is at fault
 * @param reason what is wrong, for a human, e.g. {@code must be a string}
 */
public record LineError(long line, String field, String reason) {

    /** Validates that the line number is positive and that a reason is given. */
    public LineError {
        if (line < 1) {
            throw new IllegalArgumentException("line must be at least 1, was " + line);
        }
        Objects.requireNonNull(reason, "reason");
        if (reason.isBlank()) {
            throw new IllegalArgumentException("reason must not be blank");
        }
    }
}
