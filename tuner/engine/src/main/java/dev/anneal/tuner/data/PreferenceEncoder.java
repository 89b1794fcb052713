package dev.anneal.tuner.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.EncodedChat;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns preference lines into {@link PreferencePair}s; a side's targets are its completion's tokens
 * only (TRL computes a completion's log-probability over the completion, not the prompt). The two
 * shapes the upload validation accepts:
 *
 * <ul>
 *   <li>OpenAI's {@code {"input": {"messages": [...]}, "preferred_output": [{"role": "assistant",
 *       ...}], "non_preferred_output": [...]}}: each side is the conversation followed by its
 *       output, rendered with the model's chat template as supervised chat data is; the prompt is
 *       the conversation rendered with the generation prompt, and the targets are the assistant
 *       tokens after it.
 *   <li>TRL's {@code {"prompt", "chosen", "rejected"}}: each side is encoded as prompt-completion
 *       data is (BOS, prompt, completion, EOS; the completion and EOS are the targets).
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class PreferenceEncoder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TextTokenizer tokenizer;
    private final ExampleEncoder promptCompletion;

    /**
     * Creates the encoder.
     *
     * @param tokenizer the model's tokenizer
     * @param eosTokenId the id appended after a completion of the prompt-chosen-rejected shape
     */
    public PreferenceEncoder(TextTokenizer tokenizer, long eosTokenId) {
        this.tokenizer = tokenizer;
        this.promptCompletion =
                new ExampleEncoder(tokenizer, LineFormat.PROMPT_COMPLETION, false, eosTokenId);
    }

    /**
     * Encodes one line.
     *
     * @param line a preference line
     * @return the two sides
     * @throws InvalidTrainingDataException if a field is missing or malformed, naming it
     */
    public PreferencePair encode(JsonNode line) {
        if (line.has("chosen")) {
            String prompt = ExampleEncoder.text(line, "prompt");
            return new PreferencePair(
                    promptCompletion.encode(pair(prompt, ExampleEncoder.text(line, "chosen"))),
                    promptCompletion.encode(pair(prompt, ExampleEncoder.text(line, "rejected"))));
        }
        List<ChatMessage> prompt =
                ExampleEncoder.messages(line.path("input").path("messages"), "input.messages");
        int promptLength =
                ExampleEncoder.encodeChat(tokenizer, prompt, true, "input.messages").length();
        return new PreferencePair(
                side(prompt, promptLength, line.path("preferred_output"), "preferred_output"),
                side(
                        prompt,
                        promptLength,
                        line.path("non_preferred_output"),
                        "non_preferred_output"));
    }

    private static JsonNode pair(String prompt, String completion) {
        return JSON.createObjectNode().put("prompt", prompt).put("completion", completion);
    }

    private TokenizedExample side(
            List<ChatMessage> prompt, int promptLength, JsonNode output, String field) {
        List<ChatMessage> turns = new ArrayList<>(prompt);
        for (ChatMessage message : ExampleEncoder.messages(output, field)) {
            if (message.role() != ChatMessage.Role.ASSISTANT) {
                throw new InvalidTrainingDataException(
                        field, "only assistant messages are allowed");
            }
            turns.add(message);
        }
        EncodedChat chat = ExampleEncoder.encodeChat(tokenizer, turns, false, field);
        boolean[] targets = chat.assistantMask().clone();
        for (int t = 0; t < Math.min(promptLength, targets.length); t++) {
            targets[t] = false;
        }
        return new TokenizedExample(chat.ids(), targets);
    }
}
