package dev.anneal.tuner.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.EncodedChat;
import dev.anneal.tuner.tokenizer.InvalidConversationException;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Turns validated dataset lines into {@link TokenizedExample}s.
 *
 * <ul>
 *   <li>{@code chat} ({@code {"messages": [...]}}): rendered with the model's chat template; the
 *       targets are the assistant tokens (content and end-of-turn marker), or every token with
 *       {@code trainOnInputs}.
 *   <li>{@code prompt_completion} ({@code {"prompt", "completion"}}): BOS (when the tokenizer adds
 *       one), the prompt's tokens, the completion's tokens, EOS; the targets are the completion and
 *       EOS, or every token with {@code trainOnInputs}. Prompt and completion are tokenised
 *       separately, so the boundary between them is a token boundary.
 *   <li>{@code text} ({@code {"text"}}): BOS, the text, EOS; every token is a target.
 * </ul>
 *
 * <p>Lines are expected to have passed the dataset validation of the upload path; what is checked
 * here is only what the encoding needs, with messages naming the field. Thread-safe.
 */
public final class ExampleEncoder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TextTokenizer tokenizer;
    private final LineFormat format;
    private final boolean trainOnInputs;
    private final long eosTokenId;

    /**
     * Creates the encoder.
     *
     * @param tokenizer the model's tokenizer
     * @param format chat, prompt_completion or text
     * @param trainOnInputs whether prompts and user turns count in the loss too
     * @param eosTokenId the id appended after a completion or a text
     * @throws IllegalArgumentException for the preference format, which is not supervised data
     */
    public ExampleEncoder(
            TextTokenizer tokenizer, LineFormat format, boolean trainOnInputs, long eosTokenId) {
        if (format == LineFormat.PREFERENCE) {
            throw new IllegalArgumentException(
                    "data.format: preference datasets are for preference tuning, not SFT or"
                            + " pre-training");
        }
        this.tokenizer = tokenizer;
        this.format = format;
        this.trainOnInputs = trainOnInputs;
        this.eosTokenId = eosTokenId;
    }

    /**
     * Encodes one line.
     *
     * @param line a line of this encoder's format
     * @return its tokens and targets
     * @throws InvalidTrainingDataException if a field the format needs is missing, naming it
     */
    public TokenizedExample encode(JsonNode line) {
        switch (format) {
            case CHAT:
                return encodeChat(line);
            case PROMPT_COMPLETION:
                return encodePromptCompletion(
                        text(line, "prompt"), text(line, "completion"), trainOnInputs);
            default:
                return encodePromptCompletion("", text(line, "text"), true);
        }
    }

    private TokenizedExample encodeChat(JsonNode line) {
        List<ChatMessage> turns = messages(line.path("messages"), "messages");
        EncodedChat chat = encodeChat(tokenizer, turns, false, "messages");
        boolean[] targets = chat.assistantMask();
        if (trainOnInputs) {
            targets = new boolean[chat.length()];
            Arrays.fill(targets, true);
        }
        return new TokenizedExample(chat.ids(), targets);
    }

    /**
     * Reads an array of chat messages.
     *
     * @param messages the array
     * @param field its name, for messages
     * @return the turns
     * @throws InvalidTrainingDataException if it is not a non-empty array of messages
     */
    static List<ChatMessage> messages(JsonNode messages, String field) {
        if (!messages.isArray() || messages.isEmpty()) {
            throw new InvalidTrainingDataException(field, "a non-empty array is required");
        }
        List<ChatMessage> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText("");
            ChatMessage.Role parsed;
            try {
                parsed = ChatMessage.Role.valueOf(role.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidTrainingDataException(
                        field + "[" + i + "].role",
                        "'" + role + "' is not system, user or assistant");
            }
            turns.add(new ChatMessage(parsed, text(message, "content")));
        }
        return turns;
    }

    /**
     * Renders and tokenises a conversation of a dataset line.
     *
     * @throws InvalidTrainingDataException naming {@code field} if the template cannot render it
     */
    static EncodedChat encodeChat(
            TextTokenizer tokenizer,
            List<ChatMessage> turns,
            boolean addGenerationPrompt,
            String field) {
        try {
            return tokenizer.encodeChat(turns, addGenerationPrompt);
        } catch (InvalidConversationException e) {
            throw new InvalidTrainingDataException(field, e.getMessage());
        }
    }

    private TokenizedExample encodePromptCompletion(
            String prompt, String completion, boolean everyToken) {
        long[] head = tokenizer.encode(prompt, true);
        long[] tail = tokenizer.encode(completion, false);
        long[] ids = new long[head.length + tail.length + 1];
        System.arraycopy(head, 0, ids, 0, head.length);
        System.arraycopy(tail, 0, ids, head.length, tail.length);
        ids[ids.length - 1] = eosTokenId;
        boolean[] targets = new boolean[ids.length];
        Arrays.fill(targets, everyToken ? 0 : head.length, ids.length, true);
        return new TokenizedExample(ids, targets);
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new InvalidTrainingDataException(field, "a string is required");
        }
        return value.asText();
    }
}
