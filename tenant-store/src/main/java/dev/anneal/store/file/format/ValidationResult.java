package dev.anneal.store.file.format;

import java.util.List;
import java.util.Objects;

/**
 * Outcome of validating one uploaded dataset.
 *
 * @param format the format of the first line whose format could be detected, or {@code null}
 * @param lines number of data (non-blank) lines seen
 * @param errors the first {@link JsonlValidator#MAX_ERRORS} problems, in line order
 * @param moreErrors whether more problems existed than {@code errors} holds
 */
public record ValidationResult(
        DatasetFormat format, long lines, List<LineError> errors, boolean moreErrors) {

    /** Copies the errors and checks that the counts are consistent. */
    public ValidationResult {
        errors = List.copyOf(Objects.requireNonNull(errors, "errors"));
        if (lines < 0) {
            throw new IllegalArgumentException("lines must not be negative, was " + lines);
        }
        if (moreErrors && errors.isEmpty()) {
            throw new IllegalArgumentException("moreErrors requires at least one error");
        }
    }

    /** Whether the file can be used for fine-tuning as it is. */
    public boolean isValid() {
        return errors.isEmpty();
    }

    /**
     * One sentence for the uploader: the first error and how many others there are, e.g. {@code
     * Invalid file: line 3, field 'messages[1].role': must be one of system, user, assistant (and 2
     * more errors)}.
     */
    public String summary() {
        if (isValid()) {
            String name = format == null ? "" : format.wireName() + " ";
            return "Valid " + name + "file: " + lines + (lines == 1 ? " line" : " lines");
        }
        LineError first = errors.get(0);
        StringBuilder text = new StringBuilder("Invalid file: line ").append(first.line());
        if (first.field() != null) {
            text.append(", field '").append(first.field()).append('\'');
        }
        text.append(": ").append(first.reason());
        int others = errors.size() - 1;
        if (moreErrors) {
            text.append(" (and more than ").append(others).append(" other errors)");
        } else if (others > 0) {
            text.append(" (and ")
                    .append(others)
                    .append(others == 1 ? " more error)" : " more errors)");
        }
        return text.toString();
    }
}
