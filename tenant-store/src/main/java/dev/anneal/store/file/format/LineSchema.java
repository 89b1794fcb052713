package dev.anneal.store.file.format;

import com.fasterxml.jackson.core.JsonToken;
import java.util.Set;

/**
 * The rules of each {@link DatasetFormat}, checked on a line's {@link LineShape} once its format is
 * known (told by {@link dev.anneal.tuner.data.LineFormat#detect}). Each format's rules run in a
 * fixed order, so a line breaking several gets the same error whatever the order of its keys.
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
    static void check(LineShape line, DatasetFormat format) {
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

    private static boolean isDpo(LineShape line) {
        return line.top.has("input")
                || line.top.has("preferred_output")
                || line.top.has("non_preferred_output");
    }

    private static void checkChat(LineShape line) {
        JsonFields.onlyKnown(
                line.top, CHAT_KEYS, "", "messages, tools, parallel_tool_calls, metadata");
        requireMessages(line.top, line.messages);
        if (!line.messages.hasAssistant()) {
            throw new LineViolation("messages", NO_ASSISTANT);
        }
        JsonFields.optionalExtras(line.top, "");
    }

    /** OpenAI's preference shape: a conversation and two answers to it. */
    private static void checkDpo(LineShape line) {
        JsonFields.onlyKnown(
                line.top, DPO_KEYS, "", "input, preferred_output, non_preferred_output");
        JsonFields.object(JsonFields.required(line.top, "input", "input"), "input");
        JsonFields.onlyKnown(
                line.input, DPO_INPUT_KEYS, "input.", "messages, tools, parallel_tool_calls");
        requireMessages(line.input, line.inputMessages);
        JsonFields.optionalExtras(line.input, "input.");
        requireMessages(line.top, line.preferredOutput);
        requireMessages(line.top, line.nonPreferredOutput);
    }

    /**
     * Requires the non-empty list of messages {@code list} in {@code object}, under the last
     * segment of the list's path, and that every message keeps the rules.
     */
    private static void requireMessages(Members object, MessageList list) {
        String path = list.path();
        String key = path.substring(path.lastIndexOf('.') + 1);
        JsonFields.nonEmptyArray(JsonFields.required(object, key, path), list.size(), path);
        list.requireValidMessages();
    }

    /** The flat preference shape: one prompt and two completions of it. */
    private static void checkPair(LineShape line) {
        JsonFields.onlyKnown(line.top, PAIR_KEYS, "", "prompt, chosen, rejected");
        JsonFields.string(JsonFields.required(line.top, "prompt", "prompt"), "prompt");
        nonEmpty(line.chosen(), JsonFields.required(line.top, "chosen", "chosen"), "chosen");
        nonEmpty(
                line.rejected(), JsonFields.required(line.top, "rejected", "rejected"), "rejected");
        if (line.chosen().equals(line.rejected())) {
            throw new LineViolation("rejected", IDENTICAL_PAIR);
        }
    }

    private static void nonEmpty(String text, JsonToken kind, String path) {
        JsonFields.string(kind, path);
        if (text.isEmpty()) {
            throw new LineViolation(path, JsonFields.EMPTY);
        }
    }

    private static void checkPromptCompletion(LineShape line) {
        JsonFields.onlyKnown(line.top, PROMPT_COMPLETION_KEYS, "", "prompt, completion, metadata");
        JsonFields.string(JsonFields.required(line.top, "prompt", "prompt"), "prompt");
        JsonFields.nonEmptyString(line.top, "completion");
        JsonFields.optionalExtras(line.top, "");
    }

    private static void checkText(LineShape line) {
        JsonFields.onlyKnown(line.top, TEXT_KEYS, "", "text, metadata");
        JsonFields.nonEmptyString(line.top, "text");
        JsonFields.optionalExtras(line.top, "");
    }
}
