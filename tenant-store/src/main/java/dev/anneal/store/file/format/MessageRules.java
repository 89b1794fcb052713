package dev.anneal.store.file.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Rules for lists of chat messages, as in {@code messages}, {@code input.messages} and the outputs
 * of a preference pair, checked while the parser streams through the list. Each message is read
 * whole, then its rules are applied in a fixed order (unknown key, role, content, name, weight), so
 * the error does not depend on the order of the keys. Message text is skipped, never decoded; paths
 * are built only on failure, as these checks run for every message of every line.
 */
final class MessageRules {

    static final String BAD_ROLE = "must be one of system, user, assistant";
    static final String NOT_ASSISTANT = "must be assistant";
    static final String BAD_CONTENT = "must be a string or an array of text parts";
    static final String BAD_PART_TYPE = "must be \"text\": only text content parts are supported";
    static final String BAD_WEIGHT = "must be 0 or 1";
    static final String WEIGHT_NOT_ON_ASSISTANT = "is only allowed on assistant messages";

    private static final String MESSAGE_KEYS_TEXT = "role, content, name, weight";
    private static final String PART_KEYS_TEXT = "type, text";

    private MessageRules() {}

    /**
     * Reads the list whose {@code START_ARRAY} is the parser's current token, up to and including
     * its {@code END_ARRAY}, into {@code list}. Syntax errors are the parser's to throw; rule
     * violations are recorded, not thrown, so that a syntax error later in the line still wins.
     */
    static void read(JsonParser parser, MessageList list) throws IOException {
        int i = 0;
        for (JsonToken token = parser.nextToken();
                token != JsonToken.END_ARRAY;
                token = parser.nextToken(), i++) {
            if (list.hasViolation()) {
                parser.skipChildren();
                list.addMessage(null, false);
            } else {
                readMessage(parser, token, list, i);
            }
        }
    }

    private static void readMessage(JsonParser parser, JsonToken start, MessageList list, int i)
            throws IOException {
        String path = list.path();
        if (start != JsonToken.START_OBJECT) {
            parser.skipChildren();
            list.addMessage(
                    new LineViolation(path + "[" + i + "]", JsonFields.NOT_AN_OBJECT), false);
            return;
        }
        String unknown = null;
        JsonToken role = null;
        boolean assistant = false;
        boolean knownRole = false;
        JsonToken content = null;
        LineViolation partsViolation = null;
        JsonToken name = null;
        JsonToken weight = null;
        boolean weightZeroOrOne = false;
        for (String key = parser.nextFieldName(); key != null; key = parser.nextFieldName()) {
            JsonToken value = parser.nextToken();
            switch (key) {
                case "role" -> {
                    role = value;
                    if (value == JsonToken.VALUE_STRING) {
                        assistant = JsonFields.textEquals(parser, "assistant");
                        knownRole =
                                assistant
                                        || JsonFields.textEquals(parser, "user")
                                        || JsonFields.textEquals(parser, "system");
                    }
                }
                case "content" -> {
                    content = value;
                    if (value == JsonToken.START_ARRAY) {
                        partsViolation = readParts(parser, path, i);
                    }
                }
                case "name" -> name = value;
                case "weight" -> {
                    weight = value;
                    if (value == JsonToken.VALUE_NUMBER_INT) {
                        weightZeroOrOne = JsonFields.isZeroOrOne(parser);
                    }
                }
                default -> {
                    if (unknown == null) {
                        unknown = key;
                    }
                }
            }
            parser.skipChildren();
        }
        LineViolation violation;
        if (unknown != null) {
            violation = violation(path, i, unknown, JsonFields.unknownReason(MESSAGE_KEYS_TEXT));
        } else if (role == null) {
            violation = violation(path, i, "role", JsonFields.MISSING);
        } else if (role != JsonToken.VALUE_STRING) {
            violation = violation(path, i, "role", JsonFields.NOT_A_STRING);
        } else if (list.assistantOnly() && !assistant) {
            violation = violation(path, i, "role", NOT_ASSISTANT);
        } else if (!knownRole) {
            violation = violation(path, i, "role", BAD_ROLE);
        } else if (content == null) {
            violation = violation(path, i, "content", JsonFields.MISSING);
        } else if (content != JsonToken.VALUE_STRING && content != JsonToken.START_ARRAY) {
            violation = violation(path, i, "content", BAD_CONTENT);
        } else if (partsViolation != null) {
            violation = partsViolation;
        } else if (name != null && name != JsonToken.VALUE_STRING) {
            violation = violation(path, i, "name", JsonFields.NOT_A_STRING);
        } else if (weight != null && !weightZeroOrOne) {
            violation = violation(path, i, "weight", BAD_WEIGHT);
        } else if (weight != null && !assistant) {
            violation = violation(path, i, "weight", WEIGHT_NOT_ON_ASSISTANT);
        } else {
            violation = null;
        }
        list.addMessage(violation, assistant);
    }

    /**
     * Reads content given as OpenAI's list of parts, {@code [{"type":"text","text":"…"}]}, whose
     * {@code START_ARRAY} is current, up to its {@code END_ARRAY}.
     *
     * @return the first rule the content breaks, or {@code null}
     */
    private static LineViolation readParts(JsonParser parser, String list, int i)
            throws IOException {
        LineViolation first = null;
        int p = 0;
        for (JsonToken token = parser.nextToken();
                token != JsonToken.END_ARRAY;
                token = parser.nextToken(), p++) {
            if (first != null) {
                parser.skipChildren();
            } else {
                first = readPart(parser, token, list, i, p);
            }
        }
        return p == 0 && first == null ? violation(list, i, "content", JsonFields.EMPTY) : first;
    }

    private static LineViolation readPart(
            JsonParser parser, JsonToken start, String list, int i, int p) throws IOException {
        if (start != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return new LineViolation(partPath(list, i, p), JsonFields.NOT_AN_OBJECT);
        }
        String unknown = null;
        JsonToken type = null;
        boolean textType = false;
        JsonToken text = null;
        for (String key = parser.nextFieldName(); key != null; key = parser.nextFieldName()) {
            JsonToken value = parser.nextToken();
            switch (key) {
                case "type" -> {
                    type = value;
                    textType =
                            value == JsonToken.VALUE_STRING
                                    && JsonFields.textEquals(parser, "text");
                }
                case "text" -> text = value;
                default -> {
                    if (unknown == null) {
                        unknown = key;
                    }
                }
            }
            parser.skipChildren();
        }
        if (unknown != null) {
            return new LineViolation(
                    partPath(list, i, p) + "." + unknown, JsonFields.unknownReason(PART_KEYS_TEXT));
        }
        if (type == null) {
            return new LineViolation(partPath(list, i, p) + ".type", JsonFields.MISSING);
        }
        if (!textType) {
            return new LineViolation(partPath(list, i, p) + ".type", BAD_PART_TYPE);
        }
        if (text == null) {
            return new LineViolation(partPath(list, i, p) + ".text", JsonFields.MISSING);
        }
        if (text != JsonToken.VALUE_STRING) {
            return new LineViolation(partPath(list, i, p) + ".text", JsonFields.NOT_A_STRING);
        }
        return null;
    }

    private static String partPath(String list, int i, int p) {
        return list + "[" + i + "].content[" + p + "]";
    }

    private static LineViolation violation(String list, int i, String field, String reason) {
        return new LineViolation(list + "[" + i + "]." + field, reason);
    }
}
