package dev.anneal.store.file.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * Rules for lists of chat messages, as in {@code messages}, {@code input.messages} and the outputs
 * of a preference pair. Paths are built only on failure, as these checks run for every message of
 * every line.
 */
final class MessageRules {

    static final String BAD_ROLE = "must be one of system, user, assistant";
    static final String NOT_ASSISTANT = "must be assistant";
    static final String BAD_CONTENT = "must be a string or an array of text parts";
    static final String BAD_PART_TYPE = "must be \"text\": only text content parts are supported";
    static final String BAD_WEIGHT = "must be 0 or 1";
    static final String WEIGHT_NOT_ON_ASSISTANT = "is only allowed on assistant messages";

    private static final Set<String> MESSAGE_KEYS = Set.of("role", "content", "name", "weight");
    private static final String MESSAGE_KEYS_TEXT = "role, content, name, weight";
    private static final Set<String> PART_KEYS = Set.of("type", "text");

    private MessageRules() {}

    /**
     * Checks every message of a conversation.
     *
     * @return whether at least one message is from the assistant
     */
    static boolean checkConversation(ArrayNode messages, String path) {
        boolean assistant = false;
        for (int i = 0, n = messages.size(); i < n; i++) {
            assistant |= checkMessage(messages.get(i), path, i, false);
        }
        return assistant;
    }

    /** Checks a preferred or non-preferred output: assistant messages only. */
    static void checkOutputs(ArrayNode outputs, String path) {
        for (int i = 0, n = outputs.size(); i < n; i++) {
            checkMessage(outputs.get(i), path, i, true);
        }
    }

    /** Returns whether the message is from the assistant. */
    private static boolean checkMessage(JsonNode value, String list, int i, boolean assistantOnly) {
        if (!value.isObject()) {
            throw new LineViolation(list + "[" + i + "]", JsonFields.NOT_AN_OBJECT);
        }
        ObjectNode message = (ObjectNode) value;
        String unknown = JsonFields.firstUnknown(message, MESSAGE_KEYS);
        if (unknown != null) {
            throw violation(list, i, unknown, JsonFields.unknownReason(MESSAGE_KEYS_TEXT));
        }
        boolean assistant = checkRole(message.get("role"), list, i, assistantOnly);
        checkContent(message.get("content"), list, i);
        JsonNode name = message.get("name");
        if (name != null && !name.isTextual()) {
            throw violation(list, i, "name", JsonFields.NOT_A_STRING);
        }
        JsonNode weight = message.get("weight");
        if (weight != null) {
            if (!weight.isIntegralNumber() || (weight.asLong() != 0 && weight.asLong() != 1)) {
                throw violation(list, i, "weight", BAD_WEIGHT);
            }
            if (!assistant) {
                throw violation(list, i, "weight", WEIGHT_NOT_ON_ASSISTANT);
            }
        }
        return assistant;
    }

    private static boolean checkRole(JsonNode role, String list, int i, boolean assistantOnly) {
        if (role == null) {
            throw violation(list, i, "role", JsonFields.MISSING);
        }
        if (!role.isTextual()) {
            throw violation(list, i, "role", JsonFields.NOT_A_STRING);
        }
        String text = role.textValue();
        boolean assistant = text.equals("assistant");
        if (assistantOnly && !assistant) {
            throw violation(list, i, "role", NOT_ASSISTANT);
        }
        if (!assistant && !text.equals("user") && !text.equals("system")) {
            throw violation(list, i, "role", BAD_ROLE);
        }
        return assistant;
    }

    /** Content is a string, or OpenAI's list of parts: {@code [{"type":"text","text":"…"}]}. */
    private static void checkContent(JsonNode content, String list, int i) {
        if (content == null) {
            throw violation(list, i, "content", JsonFields.MISSING);
        }
        if (content.isTextual()) {
            return;
        }
        if (!content.isArray()) {
            throw violation(list, i, "content", BAD_CONTENT);
        }
        if (content.isEmpty()) {
            throw violation(list, i, "content", JsonFields.EMPTY);
        }
        for (int p = 0, n = content.size(); p < n; p++) {
            String path = list + "[" + i + "].content[" + p + "]";
            ObjectNode part = JsonFields.object(content.get(p), path);
            JsonFields.onlyKnown(part, PART_KEYS, path + ".", "type, text");
            JsonNode type = JsonFields.required(part, "type", path + ".type");
            if (!"text".equals(type.textValue())) {
                throw new LineViolation(path + ".type", BAD_PART_TYPE);
            }
            JsonFields.string(JsonFields.required(part, "text", path + ".text"), path + ".text");
        }
    }

    private static LineViolation violation(String list, int i, String field, String reason) {
        return new LineViolation(list + "[" + i + "]." + field, reason);
    }
}
