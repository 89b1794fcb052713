package dev.anneal.store.file.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;

/** Type checks on the values of a parsed line, each failing with a {@link LineViolation}. */
final class JsonFields {

    static final String MISSING = "missing required field";
    static final String NOT_A_STRING = "must be a string";
    static final String NOT_AN_ARRAY = "must be an array";
    static final String NOT_AN_OBJECT = "must be an object";
    static final String NOT_A_BOOLEAN = "must be a boolean";
    static final String EMPTY = "must not be empty";
    static final String UNKNOWN_PREFIX = "unknown field (expected ";

    private JsonFields() {}

    /** The value of {@code name}, which must be present (it may be JSON null). */
    static JsonNode required(ObjectNode object, String name, String path) {
        JsonNode value = object.get(name);
        if (value == null) {
            throw new LineViolation(path, MISSING);
        }
        return value;
    }

    static String string(JsonNode value, String path) {
        if (!value.isTextual()) {
            throw new LineViolation(path, NOT_A_STRING);
        }
        return value.textValue();
    }

    static String nonEmptyString(JsonNode value, String path) {
        String text = string(value, path);
        if (text.isEmpty()) {
            throw new LineViolation(path, EMPTY);
        }
        return text;
    }

    static ObjectNode object(JsonNode value, String path) {
        if (!value.isObject()) {
            throw new LineViolation(path, NOT_AN_OBJECT);
        }
        return (ObjectNode) value;
    }

    static ArrayNode nonEmptyArray(JsonNode value, String path) {
        if (!value.isArray()) {
            throw new LineViolation(path, NOT_AN_ARRAY);
        }
        if (value.isEmpty()) {
            throw new LineViolation(path, EMPTY);
        }
        return (ArrayNode) value;
    }

    /**
     * Checks the type of the optional {@code metadata}, {@code tools} and {@code
     * parallel_tool_calls}.
     */
    static void optionalExtras(ObjectNode object, String prefix) {
        JsonNode metadata = object.get("metadata");
        if (metadata != null && !metadata.isObject()) {
            throw new LineViolation(prefix + "metadata", NOT_AN_OBJECT);
        }
        JsonNode tools = object.get("tools");
        if (tools != null && !tools.isArray()) {
            throw new LineViolation(prefix + "tools", NOT_AN_ARRAY);
        }
        JsonNode parallel = object.get("parallel_tool_calls");
        if (parallel != null && !parallel.isBoolean()) {
            throw new LineViolation(prefix + "parallel_tool_calls", NOT_A_BOOLEAN);
        }
    }

    /**
     * Fails on the first key of {@code object} outside {@code allowed}; typos in field names would
     * otherwise be dropped silently.
     *
     * @param prefix path of {@code object} followed by a dot, or empty for the line itself
     * @param expected the allowed keys as shown to the uploader, e.g. {@code "role, content"}
     */
    static void onlyKnown(ObjectNode object, Set<String> allowed, String prefix, String expected) {
        String unknown = firstUnknown(object, allowed);
        if (unknown != null) {
            throw new LineViolation(prefix + unknown, unknownReason(expected));
        }
    }

    /** The first key of {@code object} outside {@code allowed}, or {@code null}. */
    static String firstUnknown(ObjectNode object, Set<String> allowed) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                return name;
            }
        }
        return null;
    }

    static String unknownReason(String expected) {
        return UNKNOWN_PREFIX + expected + ")";
    }
}
