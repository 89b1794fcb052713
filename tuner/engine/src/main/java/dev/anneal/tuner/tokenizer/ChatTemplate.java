package dev.anneal.tuner.tokenizer;

import dev.anneal.tuner.tokenizer.ChatMessage.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a conversation as the text a chat model was trained on, and marks the assistant's part of
 * it.
 *
 * <p>Full Jinja is out of scope: the {@code chat_template} of {@code tokenizer_config.json} is
 * recognised as one of the common families and rendered by Java code that reproduces it:
 *
 * <ul>
 *   <li>{@link Format#CHATML} ({@code <|im_start|>}: Qwen2, SmolLM, OpenHermes), including a
 *       literal default system message the template inserts;
 *   <li>{@link Format#LLAMA2} ({@code [INST]} with {@code <<SYS>>});
 *   <li>{@link Format#MISTRAL} ({@code [INST]} without {@code <<SYS>>}; a system message is put
 *       before the first user message);
 *   <li>{@link Format#LLAMA3} ({@code <|start_header_id|>}; rendered as Llama 3.0, without the date
 *       preamble of 3.1+);
 *   <li>{@link Format#ZEPHYR} ({@code <|user|>}: Zephyr, TinyLlama-Chat).
 * </ul>
 *
 * <p><b>Default template.</b> A model without a {@code chat_template} (a base model) gets ChatML
 * written as plain text, after the tokenizer's BOS token when it adds one: {@code
 * <s><|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n...<|im_end|>\n}. On such a model the
 * markers are ordinary text, so generation stops on the string {@code <|im_end|>} (see {@link
 * #stopStrings()}). An unrecognised template fails on {@link #render}, naming its beginning.
 *
 * <p>The assistant spans cover each assistant message's content and its end-of-turn marker ({@code
 * <|im_end|>}, {@code <|eot_id|>} or the EOS token), so that fine-tuning teaches the model to stop;
 * they exclude the role headers and the whitespace that belongs to the template.
 */
public final class ChatTemplate {

    /** The recognised template families. */
    public enum Format {
        /** {@code <|im_start|>role\ncontent<|im_end|>\n}. */
        CHATML,
        /** {@code <s>[INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST] answer </s>}. */
        LLAMA2,
        /** {@code <s>[INST] user [/INST]answer</s>}. */
        MISTRAL,
        /** {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>}. */
        LLAMA3,
        /** {@code <|role|>\ncontent</s>\n}. */
        ZEPHYR
    }

    /**
     * A half-open range of characters of the rendered text.
     *
     * @param start the first character
     * @param end one past the last character
     */
    public record Span(int start, int end) {}

    /**
     * A rendered conversation.
     *
     * @param text the text to tokenise, special tokens written out
     * @param assistantSpans the parts of {@code text} that are assistant output, in order
     */
    public record Rendered(String text, List<Span> assistantSpans) {
        /** Copies the span list. */
        public Rendered {
            assistantSpans = List.copyOf(assistantSpans);
        }
    }

    private static final Pattern CHATML_DEFAULT_SYSTEM =
            Pattern.compile("<\\|im_start\\|>system(?:\\\\n|\n)([^'\"{}]+?)<\\|im_end\\|>");

    private final Format format;
    private final boolean isDefault;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final String defaultSystem;

    private ChatTemplate(
            Format format,
            boolean isDefault,
            String source,
            String bosToken,
            String eosToken,
            String defaultSystem) {
        this.format = format;
        this.isDefault = isDefault;
        this.source = source;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.defaultSystem = defaultSystem;
    }

    /**
     * Recognises a Jinja chat template.
     *
     * @param template the {@code chat_template} text
     * @param bosToken the text of the BOS token ({@code bos_token}), or {@code null}
     * @param eosToken the text of the EOS token ({@code eos_token}), or {@code null}
     * @return the template; its {@link #format()} is {@code null} if unrecognised
     */
    public static ChatTemplate recognise(String template, String bosToken, String eosToken) {
        Objects.requireNonNull(template, "template");
        Format format = null;
        String defaultSystem = null;
        if (template.contains("<|im_start|>")) {
            format = Format.CHATML;
            Matcher matcher = CHATML_DEFAULT_SYSTEM.matcher(template);
            if (matcher.find()) {
                defaultSystem = matcher.group(1).replace("\\n", "\n");
            }
        } else if (template.contains("<|start_header_id|>")) {
            format = Format.LLAMA3;
        } else if (template.contains("[INST]")) {
            format = template.contains("<<SYS>>") ? Format.LLAMA2 : Format.MISTRAL;
        } else if (template.contains("<|user|>") && template.contains("<|assistant|>")) {
            format = Format.ZEPHYR;
        }
        return new ChatTemplate(format, false, template, bosToken, eosToken, defaultSystem);
    }

    /**
     * The template of a model that has none: plain-text ChatML, after the BOS token if any.
     *
     * @param bosToken the text of the BOS token the tokenizer adds, or {@code null} if none
     * @param eosToken the text of the EOS token, or {@code null}
     * @return the default template
     */
    public static ChatTemplate defaultTemplate(String bosToken, String eosToken) {
        return new ChatTemplate(Format.CHATML, true, null, bosToken, eosToken, null);
    }

    /** The recognised family, or {@code null} when the template was not recognised. */
    public Format format() {
        return format;
    }

    /** Whether this is the default template of a model without one. */
    public boolean isDefault() {
        return isDefault;
    }

    /**
     * Text that ends an assistant turn besides the EOS token; generation stops on it. When it is a
     * single special token of the vocabulary, stopping on that token is equivalent.
     *
     * @return the end-of-turn strings
     */
    public List<String> stopStrings() {
        if (format == Format.CHATML) {
            return List.of("<|im_end|>");
        }
        if (format == Format.LLAMA3) {
            return List.of("<|eot_id|>");
        }
        return List.of();
    }

    /**
     * Renders a conversation.
     *
     * @param messages the turns, optionally starting with a system message
     * @param addGenerationPrompt whether to end with the header of an assistant turn to generate
     * @return the text and its assistant spans
     * @throws UnsupportedOperationException if the template was not recognised
     * @throws InvalidConversationException if the template requires alternating user/assistant
     *     turns and the conversation does not alternate
     */
    public Rendered render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (format == null) {
            String start = source.length() > 80 ? source.substring(0, 80) + "..." : source;
            throw new UnsupportedOperationException(
                    "Unrecognised chat_template in tokenizer_config.json (supported: ChatML,"
                            + " Llama 2, Mistral, Llama 3, Zephyr): "
                            + start);
        }
        Writer out = new Writer();
        switch (format) {
            case CHATML -> chatMl(messages, addGenerationPrompt, out);
            case LLAMA2, MISTRAL -> inst(messages, out);
            case LLAMA3 -> llama3(messages, addGenerationPrompt, out);
            case ZEPHYR -> zephyr(messages, addGenerationPrompt, out);
        }
        return new Rendered(out.text.toString(), out.spans);
    }

    private void chatMl(List<ChatMessage> messages, boolean generationPrompt, Writer out) {
        if (isDefault) {
            out.text(bosToken);
        }
        if (defaultSystem != null
                && (messages.isEmpty() || messages.get(0).role() != Role.SYSTEM)) {
            out.text("<|im_start|>system\n" + defaultSystem + "<|im_end|>\n");
        }
        for (ChatMessage message : messages) {
            out.text("<|im_start|>" + message.role().wireName() + "\n");
            out.turn(message.role(), message.content() + "<|im_end|>");
            out.text("\n");
        }
        if (generationPrompt) {
            out.text("<|im_start|>assistant\n");
        }
    }

    /** Llama 2 and Mistral: user and assistant turns must alternate, starting with the user. */
    private void inst(List<ChatMessage> messages, Writer out) {
        String system = null;
        List<ChatMessage> turns = messages;
        if (!messages.isEmpty() && messages.get(0).role() == Role.SYSTEM) {
            system = messages.get(0).content();
            turns = messages.subList(1, messages.size());
        }
        if (format == Format.MISTRAL) {
            out.text(bosToken);
        }
        for (int i = 0; i < turns.size(); i++) {
            ChatMessage message = turns.get(i);
            if ((message.role() == Role.USER) != (i % 2 == 0)) {
                throw new InvalidConversationException(
                        "Conversation roles must alternate user/assistant/user/assistant/...");
            }
            String content = message.content();
            if (message.role() == Role.USER) {
                if (i == 0 && system != null) {
                    content =
                            format == Format.LLAMA2
                                    ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content
                                    : system + "\n\n" + content;
                }
                if (format == Format.LLAMA2) {
                    out.text(bosToken + "[INST] " + content.strip() + " [/INST]");
                } else {
                    out.text("[INST] " + content + " [/INST]");
                }
            } else if (format == Format.LLAMA2) {
                out.text(" ");
                out.turn(Role.ASSISTANT, content.strip() + " " + eosToken);
            } else {
                out.turn(Role.ASSISTANT, content + eosToken);
            }
        }
    }

    private void llama3(List<ChatMessage> messages, boolean generationPrompt, Writer out) {
        out.text(bosToken);
        for (ChatMessage message : messages) {
            out.text("<|start_header_id|>" + message.role().wireName() + "<|end_header_id|>\n\n");
            out.turn(message.role(), message.content().strip() + "<|eot_id|>");
        }
        if (generationPrompt) {
            out.text("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
    }

    private void zephyr(List<ChatMessage> messages, boolean generationPrompt, Writer out) {
        for (ChatMessage message : messages) {
            out.text("<|" + message.role().wireName() + "|>\n");
            out.turn(message.role(), message.content() + eosToken);
            out.text("\n");
        }
        if (generationPrompt) {
            out.text("<|assistant|>\n");
        }
    }

    /** Accumulates rendered text and the spans of assistant turns. */
    private static final class Writer {
        private final StringBuilder text = new StringBuilder();
        private final List<Span> spans = new ArrayList<>();

        void text(String part) {
            text.append(part);
        }

        void turn(Role role, String part) {
            int start = text.length();
            text.append(part);
            if (role == Role.ASSISTANT && !part.isEmpty()) {
                spans.add(new Span(start, text.length()));
            }
        }
    }
}
