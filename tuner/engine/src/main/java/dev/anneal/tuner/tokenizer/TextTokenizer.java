package dev.anneal.tuner.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.tuner.model.DjlRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The tokenizer of a Hugging Face model folder: {@code tokenizer.json} through DJL's Hugging Face
 * tokenizers (native, offline), plus the special tokens and chat template of {@code
 * tokenizer_config.json} (or {@code chat_template.jinja}), rendered as {@link ChatTemplate}
 * describes.
 *
 * <p>{@link #encode(String)} adds special tokens as {@code tokenizer.json}'s post-processor says,
 * like {@code tokenizer(text)} in Python: a LLaMA tokenizer puts BOS first. Chat templates write
 * their special tokens out, so {@link #encodeChat} encodes without adding any, like {@code
 * apply_chat_template}. Nothing is truncated or padded. Thread-safe; close it to free the native
 * tokenizer.
 */
public final class TextTokenizer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<String> SPECIAL_TOKEN_NAMES =
            List.of(
                    "bos_token",
                    "eos_token",
                    "unk_token",
                    "sep_token",
                    "pad_token",
                    "cls_token",
                    "mask_token");

    private final HuggingFaceTokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final OptionalLong addedBosId;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, JsonNode tokenizerConfig, Path dir)
            throws IOException {
        this.tokenizer = tokenizer;
        long[] specials = tokenizer.encode("", true, false).getIds();
        this.addedBosId = specials.length > 0 ? OptionalLong.of(specials[0]) : OptionalLong.empty();
        String template = chatTemplateText(tokenizerConfig.path("chat_template"), dir);
        ChatTemplate chat;
        if (template != null) {
            chat = ChatTemplate.of(template, specialTokens(tokenizerConfig));
        } else {
            String addedBos =
                    addedBosId.isPresent()
                            ? decode(new long[] {addedBosId.getAsLong()}, false)
                            : null;
            chat =
                    ChatTemplate.defaultTemplate(
                            addedBos, tokenText(tokenizerConfig.path("eos_token")));
        }
        List<String> endOfTurn = new ArrayList<>();
        for (String marker : ChatTemplate.END_OF_TURN_MARKERS) {
            if (isSpecialToken(marker)) {
                endOfTurn.add(marker);
            }
        }
        this.chatTemplate = endOfTurn.isEmpty() ? chat : chat.withEndOfTurnTokens(endOfTurn);
    }

    /**
     * Loads the tokenizer of a model folder.
     *
     * @param modelDir the folder holding {@code tokenizer.json} and, optionally, {@code
     *     tokenizer_config.json} and {@code chat_template.jinja}
     * @return the tokenizer
     * @throws IOException if {@code tokenizer.json} is missing or a file cannot be read
     */
    public static TextTokenizer load(Path modelDir) throws IOException {
        DjlRuntime.offlineByDefault();
        Path json = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            throw new IOException("No tokenizer.json in " + modelDir);
        }
        HuggingFaceTokenizer tokenizer =
                HuggingFaceTokenizer.newInstance(
                        json,
                        Map.of(
                                "addSpecialTokens", "true",
                                "truncation", "false",
                                "padding", "false"));
        Path configFile = modelDir.resolve("tokenizer_config.json");
        JsonNode config =
                Files.isRegularFile(configFile)
                        ? JSON.readTree(Files.readString(configFile))
                        : JSON.createObjectNode();
        try {
            return new TextTokenizer(tokenizer, config, modelDir);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Loads a tokenizer from the files of a model folder held in memory (unpacked from an encrypted
     * archive), so that their plaintext never touches the disk; read as {@link #load} reads them.
     *
     * @param tokenizerJson the content of {@code tokenizer.json}; read, not closed
     * @param tokenizerConfig the content of {@code tokenizer_config.json}, or {@code null}
     * @param chatTemplate the content of {@code chat_template.jinja}, or {@code null}
     * @return the tokenizer
     * @throws IOException if a file is not what it should be
     */
    public static TextTokenizer read(
            InputStream tokenizerJson, String tokenizerConfig, String chatTemplate)
            throws IOException {
        DjlRuntime.offlineByDefault();
        HuggingFaceTokenizer tokenizer =
                HuggingFaceTokenizer.newInstance(
                        tokenizerJson,
                        Map.of(
                                "addSpecialTokens", "true",
                                "truncation", "false",
                                "padding", "false"));
        try {
            JsonNode config =
                    tokenizerConfig == null
                            ? JSON.createObjectNode()
                            : JSON.readTree(tokenizerConfig);
            if (!config.isObject()) {
                throw new IOException("tokenizer_config.json is not a JSON object");
            }
            if (chatTemplate != null && !config.has("chat_template")) {
                // what load reads from chat_template.jinja when the config has no template
                ((ObjectNode) config).put("chat_template", chatTemplate);
            }
            return new TextTokenizer(tokenizer, config, null);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Encodes text with the model's special tokens (BOS for LLaMA).
     *
     * @param text the text
     * @return the token ids
     */
    public long[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes text.
     *
     * @param text the text
     * @param addSpecialTokens whether to add the special tokens of {@code tokenizer.json}'s
     *     post-processor
     * @return the token ids
     */
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    /**
     * Decodes ids to text, leaving special tokens out.
     *
     * @param ids the token ids
     * @return the text
     */
    public String decode(long[] ids) {
        return decode(ids, true);
    }

    /**
     * Decodes ids to text.
     *
     * @param ids the token ids
     * @param skipSpecialTokens whether to leave special tokens (BOS, EOS, chat markers) out
     * @return the text
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** The BOS token the tokenizer puts before encoded text, if any. */
    public OptionalLong bosTokenId() {
        return addedBosId;
    }

    /**
     * The id of a token that the tokenizer encodes as a single id, such as a special token.
     *
     * @param token the token's text
     * @return its id, or empty if the text takes several tokens or none
     */
    public OptionalLong singleTokenId(String token) {
        long[] ids = encode(token, false);
        return ids.length == 1 ? OptionalLong.of(ids[0]) : OptionalLong.empty();
    }

    /**
     * Whether a text is one special token of the vocabulary: it encodes to a single id that
     * decoding without special tokens drops.
     */
    private boolean isSpecialToken(String text) {
        OptionalLong id = singleTokenId(text);
        return id.isPresent() && decode(new long[] {id.getAsLong()}, true).isEmpty();
    }

    /** The model's chat template, or the documented default when it has none. */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /**
     * Renders a conversation with the chat template and encodes it, marking assistant tokens.
     *
     * @param messages the turns
     * @param addGenerationPrompt whether to end with the header of an assistant turn to generate
     * @return the ids and the assistant mask
     */
    public EncodedChat encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        ChatTemplate.Rendered rendered = chatTemplate.render(messages, addGenerationPrompt);
        String text = rendered.text();
        Encoding encoding = tokenizer.encode(text, false, false);
        long[] ids = encoding.getIds();
        CharSpan[] spans = encoding.getCharTokenSpans();
        boolean[] mask = new boolean[ids.length];
        List<int[]> assistant = new ArrayList<>();
        for (ChatTemplate.Span span : rendered.assistantSpans()) {
            // The tokenizer counts characters as code points, Java strings as UTF-16 units.
            assistant.add(
                    new int[] {
                        text.codePointCount(0, span.start()), text.codePointCount(0, span.end())
                    });
        }
        for (int i = 0; i < ids.length; i++) {
            CharSpan token = spans[i];
            if (token == null) {
                continue;
            }
            for (int[] range : assistant) {
                if (token.getStart() < range[1] && token.getEnd() > range[0]) {
                    mask[i] = true;
                    break;
                }
            }
        }
        return new EncodedChat(ids, mask);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /**
     * The special tokens a chat template sees, as Hugging Face's {@code special_tokens_map} gives
     * them: {@code bos_token}, {@code eos_token}, {@code unk_token}, {@code sep_token}, {@code
     * pad_token}, {@code cls_token}, {@code mask_token} when set, and {@code
     * additional_special_tokens}.
     */
    private static Map<String, Object> specialTokens(JsonNode config) {
        Map<String, Object> tokens = new HashMap<>();
        for (String name : SPECIAL_TOKEN_NAMES) {
            String text = tokenText(config.path(name));
            if (text != null) {
                tokens.put(name, text);
            }
        }
        JsonNode additional = config.path("additional_special_tokens");
        if (additional.isArray()) {
            List<String> texts = new ArrayList<>();
            for (JsonNode token : additional) {
                String text = tokenText(token);
                if (text != null) {
                    texts.add(text);
                }
            }
            tokens.put("additional_special_tokens", texts);
        }
        return tokens;
    }

    /** A special token as {@code tokenizer_config.json} writes it: a string or an object. */
    private static String tokenText(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.path("content").asText();
        }
        return null;
    }

    /** The template: a string, a list of named templates ("default" first), or a file. */
    private static String chatTemplateText(JsonNode node, Path dir) throws IOException {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray() && !node.isEmpty()) {
            for (JsonNode named : node) {
                if ("default".equals(named.path("name").asText())) {
                    return named.path("template").asText();
                }
            }
            return node.get(0).path("template").asText();
        }
        if (dir == null) {
            return null;
        }
        Path file = dir.resolve("chat_template.jinja");
        return Files.isRegularFile(file) ? Files.readString(file) : null;
    }
}
