package dev.anneal.store.file.format;

/**
 * The first problem found in one data line. Thrown from deep inside the line checks to end them at
 * once; it carries no stack trace, so throwing it costs about as much as returning.
 */
final class LineViolation extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String field;

    LineViolation(String field, String reason) {
        super(reason, null, false, false);
        this.field = field;
    }

    /** Path of the offending value, or {@code null} for the whole line. */
    String field() {
        return field;
    }

    String reason() {
        return getMessage();
    }
}
