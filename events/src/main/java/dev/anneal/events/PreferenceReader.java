package dev.anneal.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.events.InvalidPreferenceException.Problem;
import dev.anneal.events.PreferenceRecord.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Checks a preference record field by field and builds it; the first breach throws {@link
 * InvalidPreferenceException} with the field's path. The rules are those of {@code
 * docs/schemas/preference-record.v1.json}.
 */
final class PreferenceReader {

    static final int MAX_METADATA = 16;
    static final int MAX_METADATA_KEY = 64;
    static final int MAX_METADATA_VALUE = 512;
    static final int MAX_NAME = 256;
    static final int MAX_TENANT_ID = 40;

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern UUID_TEXT =
            Pattern.compile(
                    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
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
        JsonNode node;
        try {
            // from the bytes: Jackson's UTF-8 parser, no String of the whole record first
            node = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidPreferenceException(
                    Problem.INVALID_JSON,
                    null,
                    "The record is not valid JSON: " + e.getOriginalMessage() + ".");
        } catch (IOException e) {
            throw new UncheckedIOException("Reading a byte array cannot fail", e);
        }
        if (topicTenant != null) {
            JsonNode named = node.get("tenant_id");
            if (named != null && !topicTenant.equals(named.textValue())) {
                throw new InvalidPreferenceException(
                        Problem.TENANT_MISMATCH,
                        "tenant_id",
                        "'tenant_id' must be left out or name the tenant whose topic this is ("
                                + topicTenant
                                + ").");
            }
        }
        return read(node, topicTenant, null);
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
        return read(node, tenantId, now);
    }

    /**
     * @param ownTenant the tenant of a submission, or {@code null} for a topic record, which must
     *     name its tenant
     * @param now the default of {@code created_at} for a submission
     */
    private static PreferenceRecord read(JsonNode node, String ownTenant, Instant now) {
        if (node == null || !node.isObject()) {
            throw invalid(null, "A preference record must be a JSON object.");
        }
        String type = requiredText(node, "type", MAX_NAME);
        if (!type.equals(PreferenceRecord.PAIRWISE) && !type.equals(PreferenceRecord.RATING)) {
            throw invalid("type", "'type' must be 'pairwise' or 'rating'.");
        }
        boolean pairwise = type.equals(PreferenceRecord.PAIRWISE);
        Set<String> own = pairwise ? PAIRWISE_ONLY : RATING_ONLY;
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if ((pairwise ? RATING_ONLY : PAIRWISE_ONLY).contains(name)) {
                throw invalid(name, "'" + name + "' is not allowed when 'type' is '" + type + "'.");
            }
            if (!COMMON.contains(name) && !own.contains(name)) {
                throw invalid(name, "Unknown field '" + name + "'.");
            }
        }
        JsonNode schema = node.get("schema");
        if (schema != null && !PreferenceRecord.SCHEMA.equals(schema.textValue())) {
            throw invalid("schema", "'schema' must be '" + PreferenceRecord.SCHEMA + "'.");
        }
        UUID eventId = eventId(node);
        String tenantId = tenantId(node, ownTenant);
        Instant createdAt = createdAt(node, now);
        List<Message> prompt = messages(node, "prompt", PROMPT_ROLES);
        String annotatorId = optionalText(node, "annotator_id");
        Map<String, String> metadata = metadata(node);
        if (pairwise) {
            return new PreferenceRecord(
                    PreferenceRecord.SCHEMA,
                    eventId,
                    tenantId,
                    createdAt,
                    type,
                    prompt,
                    messages(node, "chosen", ANSWER_ROLES),
                    messages(node, "rejected", ANSWER_ROLES),
                    requiredText(node, "chosen_model", MAX_NAME),
                    requiredText(node, "rejected_model", MAX_NAME),
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
                messages(node, "completion", ANSWER_ROLES),
                requiredText(node, "model", MAX_NAME),
                score(node),
                annotatorId,
                metadata);
    }

    private static UUID eventId(JsonNode node) {
        String text = requiredText(node, "event_id", 36);
        if (!UUID_TEXT.matcher(text).matches()) {
            throw invalid(
                    "event_id", "'event_id' must be a UUID such as " + UUID.randomUUID() + ".");
        }
        return UUID.fromString(text);
    }

    private static String tenantId(JsonNode node, String ownTenant) {
        if (ownTenant == null) {
            return requiredText(node, "tenant_id", MAX_TENANT_ID);
        }
        JsonNode named = node.get("tenant_id");
        if (named != null && !ownTenant.equals(named.textValue())) {
            throw invalid(
                    "tenant_id",
                    "'tenant_id' must be left out or name the tenant of the API key; the tenant"
                            + " comes from the key.");
        }
        return ownTenant;
    }

    private static Instant createdAt(JsonNode node, Instant now) {
        JsonNode value = node.get("created_at");
        if (value == null && now != null) {
            return now.truncatedTo(ChronoUnit.MICROS);
        }
        String text = requiredText(node, "created_at", 64);
        try {
            return OffsetDateTime.parse(text).toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw invalid(
                    "created_at",
                    "'created_at' must be an RFC 3339 date-time with an offset, e.g."
                            + " 2026-11-27T14:00:00Z.");
        }
    }

    private static List<Message> messages(JsonNode node, String field, Set<String> roles) {
        JsonNode array = node.get(field);
        if (array == null || array.isNull()) {
            throw invalid(field, "'" + field + "' is required.");
        }
        if (!array.isArray() || array.isEmpty()) {
            throw invalid(field, "'" + field + "' must be a non-empty array of messages.");
        }
        List<Message> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String path = field + "[" + i + "]";
            JsonNode message = array.get(i);
            if (!message.isObject()) {
                throw invalid(path, "'" + path + "' must be a message object.");
            }
            for (Iterator<String> names = message.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("role") && !name.equals("content")) {
                    throw invalid(path + "." + name, "Unknown field '" + path + "." + name + "'.");
                }
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isTextual() || !roles.contains(role.textValue())) {
                throw invalid(
                        path + ".role",
                        "'"
                                + path
                                + ".role' must be one of "
                                + String.join(", ", sorted(roles))
                                + ".");
            }
            JsonNode content = message.get("content");
            if (content == null || !content.isTextual()) {
                throw invalid(path + ".content", "'" + path + ".content' must be a string.");
            }
            withoutNul(content.textValue(), path + ".content");
            messages.add(new Message(role.textValue(), content.textValue()));
        }
        return List.copyOf(messages);
    }

    private static double score(JsonNode node) {
        JsonNode score = node.get("score");
        if (score == null || score.isNull()) {
            throw invalid("score", "'score' is required.");
        }
        if (!score.isNumber() || !Double.isFinite(score.doubleValue())) {
            throw invalid("score", "'score' must be a number (thumbs up and down are 1 and -1).");
        }
        return score.doubleValue();
    }

    private static Map<String, String> metadata(JsonNode node) {
        JsonNode metadata = node.get("metadata");
        if (metadata == null || metadata.isNull()) {
            return Map.of();
        }
        if (!metadata.isObject()) {
            throw invalid("metadata", "'metadata' must be an object of strings.");
        }
        if (metadata.size() > MAX_METADATA) {
            throw invalid("metadata", "'metadata' holds at most " + MAX_METADATA + " pairs.");
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> pair = it.next();
            String path = "metadata." + pair.getKey();
            if (pair.getKey().length() > MAX_METADATA_KEY) {
                throw invalid(
                        path,
                        "Keys of 'metadata' are at most " + MAX_METADATA_KEY + " characters.");
            }
            if (!pair.getValue().isTextual()) {
                throw invalid(path, "'" + path + "' must be a string.");
            }
            if (pair.getValue().textValue().length() > MAX_METADATA_VALUE) {
                throw invalid(
                        path,
                        "'" + path + "' is longer than " + MAX_METADATA_VALUE + " characters.");
            }
            withoutNul(pair.getKey(), path);
            withoutNul(pair.getValue().textValue(), path);
            pairs.put(pair.getKey(), pair.getValue().textValue());
        }
        return pairs;
    }

    private static String requiredText(JsonNode node, String field, int maxLength) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw invalid(field, "'" + field + "' is required.");
        }
        return text(value, field, maxLength);
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : text(value, field, MAX_NAME);
    }

    private static String text(JsonNode value, String field, int maxLength) {
        if (!value.isTextual() || value.textValue().isBlank()) {
            throw invalid(field, "'" + field + "' must be a non-blank string.");
        }
        if (value.textValue().length() > maxLength) {
            throw invalid(field, "'" + field + "' is longer than " + maxLength + " characters.");
        }
        return withoutNul(value.textValue(), field);
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
}
