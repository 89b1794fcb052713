package dev.anneal.tuner.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.EncodedChat;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns preference lines (OpenAI's format: {@code {"input": {"messages": [...]},
 * "preferred_output": [{"role": "assistant", ...}], "non_preferred_output": [...]}}) into {@link
 * PreferencePair}s.
 *
 * <p>Each side is the conversation {@code input.messages} followed by its output, rendered with the
 * model's chat template as supervised chat data is; its targets are the assistant tokens after the
 * prompt, the prompt being {@code input.messages} rendered with the generation prompt (as TRL
 * computes a completion's log-probability: over the completion only). Thread-safe.
 */
public final class PreferenceEncoder {

    private final TextTokenizer tokenizer;

    /**
     * Creates the encoder.
     *
     * @param tokenizer the model's tokenizer
     */
    public PreferenceEncoder(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Encodes one line.
     *
     * @param line a preference line
     * @return the two sides
     * @throws IllegalArgumentException if a field is missing or malformed, naming it
     */
    public PreferencePair encode(JsonNode line) {
        List<ChatMessage> prompt =
                ExampleEncoder.messages(line.path("input").path("messages"), "input.messages");
        int promptLength = tokenizer.encodeChat(prompt, true).length();
        return new PreferencePair(
                side(prompt, promptLength, line.path("preferred_output"), "preferred_output"),
                side(
                        prompt,
                        promptLength,
                        line.path("non_preferred_output"),
                        "non_preferred_output"));
    }

    private TokenizedExample side(
            List<ChatMessage> prompt, int promptLength, JsonNode output, String field) {
        List<ChatMessage> turns = new ArrayList<>(prompt);
        for (ChatMessage message : ExampleEncoder.messages(output, field)) {
            if (message.role() != ChatMessage.Role.ASSISTANT) {
                throw new IllegalArgumentException(field + ": only assistant messages are allowed");
            }
            turns.add(message);
        }
        EncodedChat chat = tokenizer.encodeChat(turns, false);
        boolean[] targets = chat.assistantMask().clone();
        for (int t = 0; t < Math.min(promptLength, targets.length); t++) {
            targets[t] = false;
        }
        return new TokenizedExample(chat.ids(), targets);
    }
}
