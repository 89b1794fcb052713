package dev.anneal.serving.structured;

/**
 * A JSON schema that constrained decoding cannot follow: a keyword outside the supported subset, or
 * a supported keyword with a value it cannot honour. The message starts with the JSON path of the
 * offending keyword inside the schema ({@code properties.age.pattern: not supported}); the REST
 * layer prefixes the request's own path ({@code response_format.json_schema.schema.}) and answers
 * 400.
 */
public final class UnsupportedSchemaException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The path of the keyword inside the schema, dot-separated; empty for the schema itself. */
    private final String path;

    /**
     * Creates the exception.
     *
     * @param path the keyword's path inside the schema, such as {@code properties.age.pattern}
     * @param reason what is wrong, such as {@code not supported}
     */
    public UnsupportedSchemaException(String path, String reason) {
        super(path.isEmpty() ? reason : path + ": " + reason);
        this.path = path;
    }

    /** The path of the offending keyword inside the schema; empty for the schema itself. */
    public String path() {
        return path;
    }
}
