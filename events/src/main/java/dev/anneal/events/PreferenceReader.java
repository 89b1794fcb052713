package dev.anneal.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.events.InvalidPreferenceException.Problem;
import dev.anneal.events.PreferenceRecord.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Checks a preference record field by field and builds it; the first breach throws {@link
 * InvalidPreferenceException} with the field's path. The rules are those of {@code
 * docs/schemas/preference-record.v1.json}.
 *
 * <p>One pass over the JSON tokens, building no tree: the fields' values are captured as far as the
 * rules look into them ({@link Fields}), and the rules then run in their fixed order, so that a
 * record with several faults is refused for the same one whatever its field order. A record from a
 * topic is read from its bytes; a submission through the API from its parsed tree, by the same code
 * over the tree's tokens.
 */
final class PreferenceReader {

    static final int MAX_METADATA = 16;
    static final int MAX_METADATA_KEY = 64;
    static final int MAX_METADATA_VALUE = 512;
    static final int MAX_NAME = 256;
    static final int MAX_TENANT_ID = 40;

    private static final JsonFactory JSON =
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final Set<String> COMMON =
            Set.of(
                    "schema",
                    "event_id",
                    "tenant_id",
                    "created_at",
                    "type",
                    "prompt",
                    "annotator_id",
                    "metadata");
    private static final Set<String> PAIRWISE_ONLY =
            Set.of("chosen", "rejected", "chosen_model", "rejected_model");
    private static final Set<String> RATING_ONLY = Set.of("completion", "model", "score");
    private static final Set<String> PROMPT_ROLES = Set.of("system", "user", "assistant");
    private static final Set<String> ANSWER_ROLES = Set.of("assistant");

    private PreferenceReader() {}

    /**
     * @param topicTenant the tenant whose own topic the record came from, or null for the shared
     *     topic (where {@code tenant_id} is required)
     */
    static PreferenceRecord fromTopic(byte[] value, String topicTenant) {
        requireUtf8(value);
        Fields fields;
        // from the bytes: Jackson's UTF-8 parser, no String of the whole record first
        try (JsonParser parser = JSON.createParser(value)) {
            fields = Fields.read(parser);
        } catch (JsonProcessingException e) {
            throw new InvalidPreferenceException(
                    Problem.INVALID_JSON,
                    null,
                    "The record is not valid JSON: " + e.getOriginalMessage() + ".");
        } catch (IOException e) {
            throw new UncheckedIOException("Reading a byte array cannot fail", e);
        }
        if (topicTenant != null && fields != null) {
            Value named = fields.get("tenant_id");
            if (named != null && !topicTenant.equals(named.text)) {
                throw new InvalidPreferenceException(
                        Problem.TENANT_MISMATCH,
                        "tenant_id",
                        "'tenant_id' must be left out or name the tenant whose topic this is ("
                                + topicTenant
                                + ").");
            }
        }
        return read(fields, topicTenant, null);
    }

    /** Refuses bytes that are not strict UTF-8 (most records are ASCII, which needs no check). */
    private static void requireUtf8(byte[] value) {
        for (byte b : value) {
            if (b < 0) {
                try {
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(value));
                    return;
                } catch (CharacterCodingException e) {
                    throw new InvalidPreferenceException(
                            Problem.NOT_UTF8, null, "The record is not UTF-8 text.");
                }
            }
        }
    }

    static PreferenceRecord fromSubmission(JsonNode node, String tenantId, Instant now) {
        try (JsonParser parser = node.traverse()) {
            return read(Fields.read(parser), tenantId, now);
        } catch (IOException e) {
            throw new UncheckedIOException("Reading a parsed tree cannot fail", e);
        }
    }

    /**
     * @param fields the record's fields, or {@code null} when it is not a JSON object
     * @param ownTenant the tenant of a submission, or {@code null} for a topic record, which must
     *     name its tenant
     * @param now the default of {@code created_at} for a submission
     */
    private static PreferenceRecord read(Fields fields, String ownTenant, Instant now) {
        if (fields == null) {
            throw invalid(null, "A preference record must be a JSON object.");
        }
        String type = requiredText(fields, "type", MAX_NAME);
        if (!type.equals(PreferenceRecord.PAIRWISE) && !type.equals(PreferenceRecord.RATING)) {
            throw invalid("type", "'type' must be 'pairwise' or 'rating'.");
        }
        boolean pairwise = type.equals(PreferenceRecord.PAIRWISE);
        Set<String> own = pairwise ? PAIRWISE_ONLY : RATING_ONLY;
        for (String name : fields.names) {
            if ((pairwise ? RATING_ONLY : PAIRWISE_ONLY).contains(name)) {
                throw invalid(name, "'" + name + "' is not allowed when 'type' is '" + type + "'.");
            }
            if (!COMMON.contains(name) && !own.contains(name)) {
                throw invalid(name, "Unknown field '" + name + "'.");
            }
        }
        Value schema = fields.get("schema");
        if (schema != null && !PreferenceRecord.SCHEMA.equals(schema.text)) {
            throw invalid("schema", "'schema' must be '" + PreferenceRecord.SCHEMA + "'.");
        }
        UUID eventId = eventId(fields);
        String tenantId = tenantId(fields, ownTenant);
        Instant createdAt = createdAt(fields, now);
        List<Message> prompt = messages(fields, "prompt", PROMPT_ROLES);
        String annotatorId = optionalText(fields, "annotator_id");
        Map<String, String> metadata = metadata(fields);
        if (pairwise) {
            return new PreferenceRecord(
                    PreferenceRecord.SCHEMA,
                    eventId,
                    tenantId,
                    createdAt,
                    type,
                    prompt,
                    messages(fields, "chosen", ANSWER_ROLES),
                    messages(fields, "rejected", ANSWER_ROLES),
                    requiredText(fields, "chosen_model", MAX_NAME),
                    requiredText(fields, "rejected_model", MAX_NAME),
                    null,
                    null,
                    null,
                    annotatorId,
                    metadata);
        }
        return new PreferenceRecord(
                PreferenceRecord.SCHEMA,
                eventId,
                tenantId,
                createdAt,
                type,
                prompt,
                null,
                null,
                null,
                null,
                messages(fields, "completion", ANSWER_ROLES),
                requiredText(fields, "model", MAX_NAME),
                score(fields),
                annotatorId,
                metadata);
    }

    private static UUID eventId(Fields fields) {
        String text = requiredText(fields, "event_id", 36);
        if (!isUuid(text)) {
            throw invalid(
                    "event_id", "'event_id' must be a UUID such as " + UUID.randomUUID() + ".");
        }
        return UUID.fromString(text);
    }

    /** Whether {@code text} is a UUID's 36 characters: hex digits in groups of 8-4-4-4-12. */
    static boolean isUuid(String text) {
        if (text.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            boolean fits =
                    dash
                            ? c == '-'
                            : (c >= '0' && c <= '9')
                                    || (c >= 'a' && c <= 'f')
                                    || (c >= 'A' && c <= 'F');
            if (!fits) {
                return false;
            }
        }
        return true;
    }

    private static String tenantId(Fields fields, String ownTenant) {
        if (ownTenant == null) {
            return requiredText(fields, "tenant_id", MAX_TENANT_ID);
        }
        Value named = fields.get("tenant_id");
        if (named != null && !ownTenant.equals(named.text)) {
            throw invalid(
                    "tenant_id",
                    "'tenant_id' must be left out or name the tenant of the API key; the tenant"
                            + " comes from the key.");
        }
        return ownTenant;
    }

    private static Instant createdAt(Fields fields, Instant now) {
        if (fields.get("created_at") == null && now != null) {
            return now.truncatedTo(ChronoUnit.MICROS);
        }
        String text = requiredText(fields, "created_at", 64);
        try {
            return DateTimes.parse(text).truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw invalid(
                    "created_at",
                    "'created_at' must be an RFC 3339 date-time with an offset, e.g."
                            + " 2026-11-27T14:00:00Z.");
        }
    }

    private static List<Message> messages(Fields fields, String field, Set<String> roles) {
        Value array = fields.get(field);
        if (array == null || array.kind == JsonToken.VALUE_NULL) {
            throw invalid(field, "'" + field + "' is required.");
        }
        if (array.messages == null || array.messages.isEmpty()) {
            throw invalid(field, "'" + field + "' must be a non-empty array of messages.");
        }
        Message[] messages = new Message[array.messages.size()];
        for (int i = 0; i < messages.length; i++) {
            String path = field + "[" + i + "]";
            RawMessage message = array.messages.get(i);
            if (!message.isObject) {
                throw invalid(path, "'" + path + "' must be a message object.");
            }
            if (message.unknown != null) {
                String name = message.unknown;
                throw invalid(path + "." + name, "Unknown field '" + path + "." + name + "'.");
            }
            if (message.role == null || !roles.contains(message.role)) {
                throw invalid(
                        path + ".role",
                        "'"
                                + path
                                + ".role' must be one of "
                                + String.join(", ", sorted(roles))
                                + ".");
            }
            if (message.content == null) {
                throw invalid(path + ".content", "'" + path + ".content' must be a string.");
            }
            withoutNul(message.content, path + ".content");
            messages[i] = new Message(message.role, message.content);
        }
        return List.of(messages);
    }

    private static double score(Fields fields) {
        Value score = fields.get("score");
        if (score == null || score.kind == JsonToken.VALUE_NULL) {
            throw invalid("score", "'score' is required.");
        }
        if (!score.kind.isNumeric() || !Double.isFinite(score.number)) {
            throw invalid("score", "'score' must be a number (thumbs up and down are 1 and -1).");
        }
        return score.number;
    }

    private static Map<String, String> metadata(Fields fields) {
        Value metadata = fields.get("metadata");
        if (metadata == null || metadata.kind == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (metadata.pairs == null) {
            throw invalid("metadata", "'metadata' must be an object of strings.");
        }
        if (metadata.pairs.size() > MAX_METADATA) {
            throw invalid("metadata", "'metadata' holds at most " + MAX_METADATA + " pairs.");
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        for (Map.Entry<String, String> pair : metadata.pairs) {
            String path = "metadata." + pair.getKey();
            if (pair.getKey().length() > MAX_METADATA_KEY) {
                throw invalid(
                        path,
                        "Keys of 'metadata' are at most " + MAX_METADATA_KEY + " characters.");
            }
            if (pair.getValue() == null) {
                throw invalid(path, "'" + path + "' must be a string.");
            }
            if (pair.getValue().length() > MAX_METADATA_VALUE) {
                throw invalid(
                        path,
                        "'" + path + "' is longer than " + MAX_METADATA_VALUE + " characters.");
            }
            withoutNul(pair.getKey(), path);
            withoutNul(pair.getValue(), path);
            pairs.put(pair.getKey(), pair.getValue());
        }
        return pairs;
    }

    private static String requiredText(Fields fields, String field, int maxLength) {
        Value value = fields.get(field);
        if (value == null || value.kind == JsonToken.VALUE_NULL) {
            throw invalid(field, "'" + field + "' is required.");
        }
        return text(value, field, maxLength);
    }

    private static String optionalText(Fields fields, String field) {
        Value value = fields.get(field);
        return value == null || value.kind == JsonToken.VALUE_NULL
                ? null
                : text(value, field, MAX_NAME);
    }

    private static String text(Value value, String field, int maxLength) {
        if (value.text == null || value.text.isBlank()) {
            throw invalid(field, "'" + field + "' must be a non-blank string.");
        }
        if (value.text.length() > maxLength) {
            throw invalid(field, "'" + field + "' is longer than " + maxLength + " characters.");
        }
        return withoutNul(value.text, field);
    }

    /** PostgreSQL's text cannot hold U+0000; such a record could never be stored. */
    private static String withoutNul(String text, String field) {
        if (text.indexOf('\u0000') >= 0) {
            throw invalid(field, "'" + field + "' must not contain the character U+0000.");
        }
        return text;
    }

    private static List<String> sorted(Set<String> values) {
        return values.stream().sorted().toList();
    }

    private static InvalidPreferenceException invalid(String field, String message) {
        return new InvalidPreferenceException(Problem.INVALID_RECORD, field, message);
    }

    /**
     * A record's top-level fields as read, in order, each value captured as far as the rules look
     * into it; the values of unknown fields are skipped.
     */
    private static final class Fields {

        /** Every field name, in the record's order. */
        final List<String> names = new ArrayList<>(16);

        private final Map<String, Value> values = new HashMap<>(32);

        /** The value of {@code name}, or {@code null} when the record leaves it out. */
        Value get(String name) {
            return values.get(name);
        }

        /**
         * Reads one JSON value and nothing after it.
         *
         * @return its fields, or {@code null} when it is not an object
         * @throws JsonProcessingException when the text is not one JSON value
         */
        static Fields read(JsonParser parser) throws IOException {
            JsonToken first = parser.nextToken();
            Fields fields = null;
            if (first == JsonToken.START_OBJECT) {
                fields = new Fields();
                for (String name = parser.nextFieldName();
                        name != null;
                        name = parser.nextFieldName()) {
                    fields.names.add(name);
                    JsonToken token = parser.nextToken();
                    if (COMMON.contains(name)
                            || PAIRWISE_ONLY.contains(name)
                            || RATING_ONLY.contains(name)) {
                        fields.values.put(name, Value.read(parser, token, name));
                    } else {
                        parser.skipChildren();
                    }
                }
            } else {
                parser.skipChildren();
            }
            if (parser.nextToken() != null) {
                throw new JsonParseException(parser, "trailing content after the record");
            }
            return fields;
        }
    }

    /**
     * One field's value: its kind and, for what the rules read, its text, number, messages (the
     * message fields) or pairs (metadata).
     */
    private static final class Value {
        final JsonToken kind;
        String text;
        double number;
        List<RawMessage> messages;
        List<Map.Entry<String, String>> pairs;

        private Value(JsonToken kind) {
            this.kind = kind;
        }

        static Value read(JsonParser parser, JsonToken token, String name) throws IOException {
            Value value = new Value(token);
            switch (token) {
                case VALUE_STRING -> value.text = parser.getText();
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> value.number = parser.getDoubleValue();
                case START_ARRAY -> {
                    if (name.equals("metadata")) {
                        parser.skipChildren();
                    } else {
                        value.messages = new ArrayList<>(2);
                        for (JsonToken item = parser.nextToken();
                                item != JsonToken.END_ARRAY;
                                item = parser.nextToken()) {
                            value.messages.add(RawMessage.read(parser, item));
                        }
                    }
                }
                case START_OBJECT -> {
                    if (name.equals("metadata")) {
                        value.pairs = new ArrayList<>(4);
                        for (String key = parser.nextFieldName();
                                key != null;
                                key = parser.nextFieldName()) {
                            JsonToken pair = parser.nextToken();
                            value.pairs.add(
                                    new SimpleImmutableEntry<>(
                                            key,
                                            pair == JsonToken.VALUE_STRING
                                                    ? parser.getText()
                                                    : null));
                            parser.skipChildren();
                        }
                    } else {
                        parser.skipChildren();
                    }
                }
                default -> {
                    // true, false, null: the kind is all the rules need
                }
            }
            return value;
        }
    }

    /**
     * One item of a message array: whether it is an object, its role and content where they are
     * strings, and the first field it should not have.
     */
    private static final class RawMessage {
        boolean isObject;
        String role;
        String content;
        String unknown;

        static RawMessage read(JsonParser parser, JsonToken token) throws IOException {
            RawMessage message = new RawMessage();
            if (token != JsonToken.START_OBJECT) {
                parser.skipChildren();
                return message;
            }
            message.isObject = true;
            for (String name = parser.nextFieldName();
                    name != null;
                    name = parser.nextFieldName()) {
                JsonToken value = parser.nextToken();
                String text = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                parser.skipChildren();
                if (name.equals("role")) {
                    message.role = text;
                } else if (name.equals("content")) {
                    message.content = text;
                } else if (message.unknown == null) {
                    message.unknown = name;
                }
            }
            return message;
        }
    }
}
