package dev.anneal.tuner.data;

/**
 * Training data that the engine cannot use: a line of no dataset format or of two, a field an
 * example needs missing or of the wrong type, a file of a format the method does not take. Only
 * this exception means "the data is at fault"; anything else the engine throws is a fault of the
 * engine or of its configuration.
 */
public final class InvalidTrainingDataException extends RuntimeException {

    private final String field;
    private final String reason;

    /**
     * Creates the exception.
     *
     * @param field the field at fault as a path such as {@code messages[0].role}, or {@code null}
     *     when the line or the file as a whole is
     * @param reason what is wrong with it
     */
    public InvalidTrainingDataException(String field, String reason) {
        super(field == null ? reason : field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    private InvalidTrainingDataException(String message, InvalidTrainingDataException cause) {
        super(message, cause);
        this.field = cause.field;
        this.reason = cause.reason;
    }

    /** The field at fault, or {@code null} when the line or the file as a whole is. */
    public String field() {
        return field;
    }

    /** What is wrong, without the field. */
    public String reason() {
        return reason;
    }

    /**
     * The same fault, located in a file.
     *
     * @param where the file and the example, e.g. {@code train.jsonl example 3}
     * @return an exception whose message starts with {@code where}
     */
    public InvalidTrainingDataException at(String where) {
        return new InvalidTrainingDataException(where + ": " + getMessage(), this);
    }
}
