package dev.anneal.store.file.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What one pass of the token stream keeps of a line, enough for {@link LineSchema} to judge it
 * without a tree: the top-level keys and the kinds of their values, the same of {@code input}, the
 * findings of {@link MessageRules} in each list of messages, and the two strings a flat preference
 * pair compares. Message text is never decoded. Reused line after line; not thread-safe.
 */
final class LineShape {

    final Members top = new Members();
    final Members input = new Members();
    final MessageList messages = new MessageList("messages", false);
    final MessageList inputMessages = new MessageList("input.messages", false);
    final MessageList preferredOutput = new MessageList("preferred_output", true);
    final MessageList nonPreferredOutput = new MessageList("non_preferred_output", true);
    private String chosen;
    private String rejected;

    /** The value of {@code chosen}, when a string. */
    String chosen() {
        return chosen;
    }

    /** The value of {@code rejected}, when a string. */
    String rejected() {
        return rejected;
    }

    /**
     * Reads the line's object, whose {@code START_OBJECT} is the parser's current token, up to and
     * including its {@code END_OBJECT}.
     */
    void read(JsonParser parser) throws IOException {
        clear();
        for (String key = parser.nextFieldName(); key != null; key = parser.nextFieldName()) {
            JsonToken value = parser.nextToken();
            top.add(key, value);
            switch (key) {
                case "messages" -> readList(parser, value, messages);
                case "preferred_output" -> readList(parser, value, preferredOutput);
                case "non_preferred_output" -> readList(parser, value, nonPreferredOutput);
                case "input" -> {
                    if (value == JsonToken.START_OBJECT) {
                        readInput(parser);
                    }
                }
                case "chosen" -> chosen = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "rejected" ->
                        rejected = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "completion", "text" -> {
                    if (value == JsonToken.VALUE_STRING && parser.getTextLength() == 0) {
                        top.markLastEmpty();
                    }
                }
                default -> {
                    // only its kind matters
                }
            }
            parser.skipChildren();
        }
    }

    private void readInput(JsonParser parser) throws IOException {
        for (String key = parser.nextFieldName(); key != null; key = parser.nextFieldName()) {
            JsonToken value = parser.nextToken();
            input.add(key, value);
            if (key.equals("messages")) {
                readList(parser, value, inputMessages);
            }
            parser.skipChildren();
        }
    }

    private static void readList(JsonParser parser, JsonToken value, MessageList list)
            throws IOException {
        if (value == JsonToken.START_ARRAY) {
            MessageRules.read(parser, list);
        }
    }

    private void clear() {
        top.clear();
        input.clear();
        messages.clear();
        inputMessages.clear();
        preferredOutput.clear();
        nonPreferredOutput.clear();
        chosen = null;
        rejected = null;
    }
}
