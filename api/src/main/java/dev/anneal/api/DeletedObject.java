package dev.anneal.api;

/**
 * OpenAI's answer to a deletion (a file, a model, a revoked key): {@code {"id", "object",
 * "deleted": true}}.
 */
public record DeletedObject(String id, String object, boolean deleted) {

    /** The answer for {@code id}, an object of type {@code object}, now deleted. */
    public static DeletedObject of(String id, String object) {
        return new DeletedObject(id, object, true);
    }
}
