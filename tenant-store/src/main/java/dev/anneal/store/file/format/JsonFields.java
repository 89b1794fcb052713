package dev.anneal.store.file.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Set;

/**
 * Type checks on the values the streaming pass recorded, each failing with a {@link LineViolation},
 * and the few reads of a value that the checks need. A value's kind is the first token of it:
 * {@code START_OBJECT} for an object, {@code VALUE_STRING} for a string, and so on; JSON {@code
 * null} is a present value of kind {@code VALUE_NULL}.
 */
final class JsonFields {

    static final String MISSING = "missing required field";
    static final String NOT_A_STRING = "must be a string";
    static final String NOT_AN_ARRAY = "must be an array";
    static final String NOT_AN_OBJECT = "must be an object";
    static final String NOT_A_BOOLEAN = "must be a boolean";
    static final String EMPTY = "must not be empty";
    static final String UNKNOWN_PREFIX = "unknown field (expected ";

    private JsonFields() {}

    /** The kind of the value of {@code name}, which must be present (it may be JSON null). */
    static JsonToken required(Members object, String name, String path) {
        JsonToken kind = object.kind(name);
        if (kind == null) {
            throw new LineViolation(path, MISSING);
        }
        return kind;
    }

    static void string(JsonToken kind, String path) {
        if (kind != JsonToken.VALUE_STRING) {
            throw new LineViolation(path, NOT_A_STRING);
        }
    }

    /**
     * Requires {@code name}, a string that is not empty, in {@code object}; its path is its name.
     */
    static void nonEmptyString(Members object, String name) {
        string(required(object, name, name), name);
        if (object.isEmptyString(name)) {
            throw new LineViolation(name, EMPTY);
        }
    }

    static void object(JsonToken kind, String path) {
        if (kind != JsonToken.START_OBJECT) {
            throw new LineViolation(path, NOT_AN_OBJECT);
        }
    }

    /** Requires an array of {@code size} elements, at least one. */
    static void nonEmptyArray(JsonToken kind, int size, String path) {
        if (kind != JsonToken.START_ARRAY) {
            throw new LineViolation(path, NOT_AN_ARRAY);
        }
        if (size == 0) {
            throw new LineViolation(path, EMPTY);
        }
    }

    /**
     * Checks the type of the optional {@code metadata}, {@code tools} and {@code
     * parallel_tool_calls}.
     */
    static void optionalExtras(Members object, String prefix) {
        JsonToken metadata = object.kind("metadata");
        if (metadata != null && metadata != JsonToken.START_OBJECT) {
            throw new LineViolation(prefix + "metadata", NOT_AN_OBJECT);
        }
        JsonToken tools = object.kind("tools");
        if (tools != null && tools != JsonToken.START_ARRAY) {
            throw new LineViolation(prefix + "tools", NOT_AN_ARRAY);
        }
        JsonToken parallel = object.kind("parallel_tool_calls");
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
    static void onlyKnown(Members object, Set<String> allowed, String prefix, String expected) {
        String unknown = object.firstOutside(allowed);
        if (unknown != null) {
            throw new LineViolation(prefix + unknown, unknownReason(expected));
        }
    }

    static String unknownReason(String expected) {
        return UNKNOWN_PREFIX + expected + ")";
    }

    /** Whether the current string token is {@code expected}, compared without a new String. */
    static boolean textEquals(JsonParser parser, String expected) throws IOException {
        int length = parser.getTextLength();
        if (length != expected.length()) {
            return false;
        }
        char[] chars = parser.getTextCharacters();
        int offset = parser.getTextOffset();
        for (int k = 0; k < length; k++) {
            if (chars[offset + k] != expected.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the current integer token is 0 or 1; one beyond 64 bits is neither. */
    static boolean isZeroOrOne(JsonParser parser) throws IOException {
        if (parser.getNumberType() != JsonParser.NumberType.INT) {
            return false;
        }
        int value = parser.getIntValue();
        return value == 0 || value == 1;
    }
}
