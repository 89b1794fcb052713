package dev.anneal.store.file.format;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Streams through one JSONL line, which must hold exactly one JSON object, recording its {@link
 * LineShape}; no tree is built. Turns every way a line can fail to parse into a {@link
 * LineViolation} a person can act on, pretty-printed JSON above all.
 */
final class JsonLineParser {

    static final String NOT_AN_OBJECT = "each line must be one JSON object";
    static final String TRAILING_CONTENT = "unexpected content after the JSON object";
    static final String PRETTY_PRINTED =
            "the line is not a complete JSON object: the file looks like pretty-printed JSON,"
                    + " but JSONL needs exactly one JSON object per line";
    static final String UNTERMINATED_STRING =
            "a string does not end on this line: line breaks inside strings must be written as \\n";
    static final String INVALID_JSON_PREFIX = "invalid JSON: ";

    private static final int MAX_JACKSON_MESSAGE = 200;

    /**
     * Shared by every validator: a configured factory is thread-safe and its buffers are recycled.
     */
    private static final JsonFactory FACTORY = newFactory();

    private JsonLineParser() {}

    private static JsonFactory newFactory() {
        return JsonFactory.builder()
                // Two values for one key would make the training data ambiguous.
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                // Strings are bounded by maxLineBytes, which may exceed Jackson's default.
                .streamReadConstraints(
                        StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                .build();
    }

    /**
     * Reads the JSON object that {@code b[off, off+len)} holds, which must be valid UTF-8 and not
     * blank, into {@code shape}. The whole line is parsed before this returns, so a syntax error
     * anywhere in it is reported rather than a rule the line breaks before it.
     *
     * @throws LineViolation when the line is not exactly one JSON object
     */
    static void read(byte[] b, int off, int len, LineShape shape) {
        if (hasNulInFirstBytes(b, off, len)) {
            // Jackson would take NUL bytes up front as a sign of UTF-16 or UTF-32.
            throw new LineViolation(null, INVALID_JSON_PREFIX + "unexpected NUL byte");
        }
        try (JsonParser parser = FACTORY.createParser(b, off, len)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new LineViolation(
                        null,
                        first == JsonToken.VALUE_STRING && looksLikeMember(b, off, len)
                                ? PRETTY_PRINTED
                                : NOT_AN_OBJECT);
            }
            shape.read(parser);
            requireNothingAfter(parser);
        } catch (JsonEOFException e) {
            throw new LineViolation(
                    null,
                    e.getTokenBeingDecoded() == JsonToken.VALUE_STRING
                            ? UNTERMINATED_STRING
                            : PRETTY_PRINTED);
        } catch (JacksonException e) {
            throw new LineViolation(null, invalidJsonReason(b, off, len, e));
        } catch (IOException e) {
            throw new UncheckedIOException("reading a byte array cannot fail", e);
        }
    }

    private static void requireNothingAfter(JsonParser parser) {
        try {
            if (parser.nextToken() == null) {
                return;
            }
        } catch (IOException e) {
            // Garbage after the object: say where the problem is rather than what Jackson saw.
        }
        throw new LineViolation(null, TRAILING_CONTENT);
    }

    private static String invalidJsonReason(byte[] b, int off, int len, JacksonException e) {
        int first = firstNonBlank(b, off, len);
        if (first >= 0 && (b[first] == '}' || b[first] == ']') || looksLikeMember(b, off, len)) {
            return PRETTY_PRINTED;
        }
        return INVALID_JSON_PREFIX + shortMessage(e);
    }

    /** Jackson's message without the source location and excerpt it may append. */
    static String shortMessage(JacksonException e) {
        String message = e.getOriginalMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        message = cutAt(message, "\n");
        message = cutAt(message, " (for ");
        message = cutAt(message, " at [Source");
        message = cutAt(message, ": enable `"); // advice about Jackson settings, not for uploaders
        message = message.strip();
        if (message.length() > MAX_JACKSON_MESSAGE) {
            message = message.substring(0, MAX_JACKSON_MESSAGE) + "…";
        }
        return message;
    }

    private static String cutAt(String message, String marker) {
        int at = message.indexOf(marker);
        return at < 0 ? message : message.substring(0, at);
    }

    /** Whether the line starts like a member of a pretty-printed object: {@code "key":}. */
    private static boolean looksLikeMember(byte[] b, int off, int len) {
        int end = off + len;
        int i = firstNonBlank(b, off, len);
        if (i < 0 || b[i] != '"') {
            return false;
        }
        for (i++; i < end && b[i] != '"'; i++) {
            if (b[i] == '\\') {
                i++;
            }
        }
        for (i++; i < end && (b[i] == ' ' || b[i] == '\t'); i++) {
            // skip whitespace between the key and the colon
        }
        return i < end && b[i] == ':';
    }

    private static int firstNonBlank(byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return i;
            }
        }
        return -1;
    }

    private static boolean hasNulInFirstBytes(byte[] b, int off, int len) {
        for (int i = off, end = off + Math.min(len, 4); i < end; i++) {
            if (b[i] == 0) {
                return true;
            }
        }
        return false;
    }
}
