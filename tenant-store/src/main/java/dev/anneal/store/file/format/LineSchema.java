package dev.anneal.store.file.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * The rules of each {@link DatasetFormat}, checked once a line's format is known (told by {@link
 * dev.anneal.tuner.data.LineFormat#detect}).
 */
final class LineSchema {

    static final String NO_ASSISTANT = "must contain at least one assistant message";
    static final String IDENTICAL_PAIR = "chosen and rejected are identical";

    private static final Set<String> CHAT_KEYS =
            Set.of("messages", "tools", "parallel_tool_calls", "metadata");
    private static final Set<String> DPO_KEYS =
            Set.of("input", "preferred_output", "non_preferred_output");
    private static final Set<String> DPO_INPUT_KEYS =
            Set.of("messages", "tools", "parallel_tool_calls");
    private static final Set<String> PAIR_KEYS = Set.of("prompt", "chosen", "rejected");
    private static final Set<String> PROMPT_COMPLETION_KEYS =
            Set.of("prompt", "completion", "metadata");
    private static final Set<String> TEXT_KEYS = Set.of("text", "metadata");

    private LineSchema() {}

    /**
     * Checks the line against the rules of {@code format}.
     *
     * @throws LineViolation at the first rule the line breaks
     */
    static void check(ObjectNode line, DatasetFormat format) {
        switch (format) {
            case CHAT -> checkChat(line);
            case PROMPT_COMPLETION -> checkPromptCompletion(line);
            case PREFERENCE -> {
                if (isDpo(line)) {
                    checkDpo(line);
                } else {
                    checkPair(line);
                }
            }
            case TEXT -> checkText(line);
        }
    }

    private static boolean isDpo(ObjectNode line) {
        return line.has("input")
                || line.has("preferred_output")
                || line.has("non_preferred_output");
    }

    private static void checkChat(ObjectNode line) {
        JsonFields.onlyKnown(line, CHAT_KEYS, "", "messages, tools, parallel_tool_calls, metadata");
        ArrayNode messages =
                JsonFields.nonEmptyArray(
                        JsonFields.required(line, "messages", "messages"), "messages");
        if (!MessageRules.checkConversation(messages, "messages")) {
            throw new LineViolation("messages", NO_ASSISTANT);
        }
        JsonFields.optionalExtras(line, "");
    }

    /** OpenAI's preference shape: a conversation and two answers to it. */
    private static void checkDpo(ObjectNode line) {
        JsonFields.onlyKnown(line, DPO_KEYS, "", "input, preferred_output, non_preferred_output");
        ObjectNode input = JsonFields.object(JsonFields.required(line, "input", "input"), "input");
        JsonFields.onlyKnown(
                input, DPO_INPUT_KEYS, "input.", "messages, tools, parallel_tool_calls");
        ArrayNode messages =
                JsonFields.nonEmptyArray(
                        JsonFields.required(input, "messages", "input.messages"), "input.messages");
        MessageRules.checkConversation(messages, "input.messages");
        JsonFields.optionalExtras(input, "input.");
        for (String output : new String[] {"preferred_output", "non_preferred_output"}) {
            JsonNode value = JsonFields.required(line, output, output);
            MessageRules.checkOutputs(JsonFields.nonEmptyArray(value, output), output);
        }
    }

    /** The flat preference shape: one prompt and two completions of it. */
    private static void checkPair(ObjectNode line) {
        JsonFields.onlyKnown(line, PAIR_KEYS, "", "prompt, chosen, rejected");
        JsonFields.string(JsonFields.required(line, "prompt", "prompt"), "prompt");
        String chosen =
                JsonFields.nonEmptyString(JsonFields.required(line, "chosen", "chosen"), "chosen");
        String rejected =
                JsonFields.nonEmptyString(
                        JsonFields.required(line, "rejected", "rejected"), "rejected");
        if (chosen.equals(rejected)) {
            throw new LineViolation("rejected", IDENTICAL_PAIR);
        }
    }

    private static void checkPromptCompletion(ObjectNode line) {
        JsonFields.onlyKnown(line, PROMPT_COMPLETION_KEYS, "", "prompt, completion, metadata");
        JsonFields.string(JsonFields.required(line, "prompt", "prompt"), "prompt");
        JsonFields.nonEmptyString(
                JsonFields.required(line, "completion", "completion"), "completion");
        JsonFields.optionalExtras(line, "");
    }

    private static void checkText(ObjectNode line) {
        JsonFields.onlyKnown(line, TEXT_KEYS, "", "text, metadata");
        JsonFields.nonEmptyString(JsonFields.required(line, "text", "text"), "text");
        JsonFields.optionalExtras(line, "");
    }
}
