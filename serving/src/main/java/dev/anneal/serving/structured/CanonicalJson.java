package dev.anneal.serving.structured;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;

/**
 * The one spelling a fixed value (a property name, an {@code enum} value) is generated in: compact
 * JSON, with every character outside printable ASCII written as an escape. Printable ASCII means
 * every byte of it has a single-byte token, which the token budget relies on.
 */
final class CanonicalJson {

    private static final JsonMapper MAPPER =
            JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private static final String DELETE = String.valueOf((char) 0x7F);

    private CanonicalJson() {}

    /** The value as compact, ASCII-only JSON text. */
    static String write(JsonNode value) {
        try {
            // Jackson escapes control characters and non-ASCII, but leaves DEL as it is.
            return MAPPER.writeValueAsString(value).replace(DELETE, "\\u007F");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A JSON tree always serialises", e);
        }
    }

    /** A property name as a JSON string, quotes included, in ASCII bytes. */
    static byte[] quoted(String name) {
        return write(TextNode.valueOf(name)).getBytes(StandardCharsets.US_ASCII);
    }
}
