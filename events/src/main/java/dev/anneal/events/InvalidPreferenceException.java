package dev.anneal.events;

/**
 * A preference record that breaks its contract: what is wrong ({@link #problem()}), which field is
 * at fault ({@link #field()}, a path such as {@code prompt[0].role}) and a message that says both.
 */
public class InvalidPreferenceException extends IllegalArgumentException {

    /** What kind of breach; its {@link #code()} is stable for logs, headers and metrics. */
    public enum Problem {
        /** The bytes are not UTF-8 text. */
        NOT_UTF8("not_utf8"),
        /** The text is not one JSON value. */
        INVALID_JSON("invalid_json"),
        /** The JSON does not follow the record's schema. */
        INVALID_RECORD("invalid_record"),
        /** A record on a tenant's own topic names another tenant. */
        TENANT_MISMATCH("tenant_mismatch");

        private final String code;

        Problem(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Problem problem;
    private final String field;

    public InvalidPreferenceException(Problem problem, String field, String message) {
        super(message);
        this.problem = problem;
        this.field = field;
    }

    public Problem problem() {
        return problem;
    }

    /**
     * The path of the field at fault, e.g. {@code chosen[1].content}; {@code null} for the whole.
     */
    public String field() {
        return field;
    }
}
