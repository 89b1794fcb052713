package dev.anneal.tuner.tokenizer;

import dev.anneal.tuner.tokenizer.jinja.JinjaTemplate;
import dev.anneal.tuner.tokenizer.jinja.JinjaTemplateException;
import dev.anneal.tuner.tokenizer.jinja.TemplateRaisedException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Renders a conversation as the text a chat model was trained on, with the model's own {@code
 * chat_template} from {@code tokenizer_config.json}, and marks the assistant's part of it. Training
 * ({@link TextTokenizer#encodeChat}) and generation ({@code Generator.chat}) render through here.
 *
 * <p><b>Rendering</b> is Jinja as Hugging Face's {@code apply_chat_template} runs it ({@link
 * JinjaTemplate}): the variables are {@code messages} (maps with {@code role} and {@code content}),
 * {@code add_generation_prompt}, {@code tools} and {@code documents} (none), and the tokenizer's
 * special tokens ({@code bos_token}, {@code eos_token}...); {@code raise_exception} refuses the
 * conversation ({@link InvalidConversationException}), {@code strftime_now} reads {@link #clock()}.
 * Any template renders, not only the families {@link #format()} names.
 *
 * <p><b>Default template.</b> A model without a {@code chat_template} (a base model) gets ChatML
 * written as plain text, after the tokenizer's BOS token when it adds one: {@code
 * <s><|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n...<|im_end|>\n}. On such a model the
 * markers are ordinary text, so generation stops on the string {@code <|im_end|>} ({@link
 * #stopStrings()}).
 *
 * <p><b>Assistant spans</b> cover each assistant message's content, as the template writes it
 * (verbatim or stripped of surrounding whitespace), and the end-of-turn marker after it ({@code
 * <|im_end|>}, {@code <|eot_id|>}, {@code <end_of_turn>}, the EOS token...), so that fine-tuning
 * teaches the model to stop; they exclude the role headers and the whitespace that belongs to the
 * template ({@link AssistantSpans}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ChatTemplate {

    /** The families {@link #format()} recognises, for logs; rendering never depends on them. */
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

    /** Markers that end a turn in common templates; those the template writes stop generation. */
    static final List<String> END_OF_TURN_MARKERS =
            List.of("<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>");

    /** The plain-text ChatML of a model without a template; {@code bos_token} may be empty. */
    private static final String DEFAULT_SOURCE =
            "{{ bos_token }}{% for message in messages %}"
                    + "{{ '<|im_start|>' + message['role'] + '\\n'"
                    + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** The conversation whose rendering shows which marker ends an assistant turn. */
    private static final List<ChatMessage> PROBE =
            List.of(ChatMessage.user("ping"), ChatMessage.assistant("pong"));

    private final String source;
    private final boolean isDefault;
    private final Map<String, Object> specialTokens;
    private final Clock clock;
    private final JinjaTemplate template;
    private final JinjaTemplateException compileError;
    private final List<String> endOfTurnTokens;
    private final List<String> endMarkers;
    private final List<String> stopStrings;

    private ChatTemplate(
            String source,
            boolean isDefault,
            Map<String, ?> specialTokens,
            Clock clock,
            Collection<String> endOfTurnTokens) {
        this.source = Objects.requireNonNull(source, "source");
        this.isDefault = isDefault;
        this.specialTokens = Map.copyOf(withoutNulls(specialTokens));
        this.clock = Objects.requireNonNull(clock, "clock");
        JinjaTemplate compiled = null;
        JinjaTemplateException error = null;
        try {
            compiled = JinjaTemplate.compile(source);
        } catch (JinjaTemplateException e) {
            error = e;
        }
        this.template = compiled;
        this.compileError = error;
        this.endOfTurnTokens = List.copyOf(endOfTurnTokens);
        Set<String> markers = new LinkedHashSet<>();
        for (String marker : END_OF_TURN_MARKERS) {
            if (source.contains(marker)) {
                markers.add(marker);
            }
        }
        markers.addAll(endOfTurnTokens);
        if (this.specialTokens.get("eos_token") instanceof String eos && !eos.isEmpty()) {
            markers.add(eos);
        }
        this.endMarkers = List.copyOf(markers);
        this.stopStrings = probeStopStrings();
    }

    /**
     * A model's chat template.
     *
     * @param source the {@code chat_template} text
     * @param specialTokens the tokenizer's special tokens by the name templates use ({@code
     *     bos_token}, {@code eos_token}, {@code pad_token}...); {@code null} values are left out,
     *     as Hugging Face leaves out unset tokens
     * @return the template, rendering with the system clock; see {@link #withClock}
     */
    public static ChatTemplate of(String source, Map<String, ?> specialTokens) {
        return new ChatTemplate(source, false, specialTokens, Clock.systemDefaultZone(), List.of());
    }

    /**
     * A model's chat template with only BOS and EOS tokens.
     *
     * @param source the {@code chat_template} text
     * @param bosToken the text of the BOS token ({@code bos_token}), or {@code null}
     * @param eosToken the text of the EOS token ({@code eos_token}), or {@code null}
     * @return the template
     */
    public static ChatTemplate of(String source, String bosToken, String eosToken) {
        return of(source, tokens(bosToken, eosToken));
    }

    /**
     * The template of a model that has none: plain-text ChatML, after the BOS token if any.
     *
     * @param bosToken the text of the BOS token the tokenizer adds, or {@code null} if none
     * @param eosToken the text of the EOS token, or {@code null}
     * @return the default template
     */
    public static ChatTemplate defaultTemplate(String bosToken, String eosToken) {
        Map<String, Object> tokens = tokens(bosToken == null ? "" : bosToken, eosToken);
        return new ChatTemplate(DEFAULT_SOURCE, true, tokens, Clock.systemDefaultZone(), List.of());
    }

    /**
     * This template with another clock for {@code strftime_now} (tests fix the date).
     *
     * @param clock the clock
     * @return the template
     */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, isDefault, specialTokens, clock, endOfTurnTokens);
    }

    /**
     * This template, also stopping generation at these end-of-turn tokens: those of {@link
     * #END_OF_TURN_MARKERS} that the model's vocabulary has as single tokens, such as Llama 3's
     * {@code <|eom_id|>}, which its template may not write.
     *
     * @param tokens the tokens' texts
     * @return the template
     */
    public ChatTemplate withEndOfTurnTokens(Collection<String> tokens) {
        return new ChatTemplate(source, isDefault, specialTokens, clock, List.copyOf(tokens));
    }

    /** The template's Jinja source. */
    public String source() {
        return source;
    }

    /** The clock {@code strftime_now} reads. */
    public Clock clock() {
        return clock;
    }

    /** The family the template looks like, or {@code null}: for logs only. */
    public Format format() {
        if (source.contains("<|im_start|>")) {
            return Format.CHATML;
        }
        if (source.contains("<|start_header_id|>")) {
            return Format.LLAMA3;
        }
        if (source.contains("[INST]")) {
            return source.contains("<<SYS>>") ? Format.LLAMA2 : Format.MISTRAL;
        }
        if (source.contains("<|user|>") && source.contains("<|assistant|>")) {
            return Format.ZEPHYR;
        }
        return null;
    }

    /** Whether this is the default template of a model without one. */
    public boolean isDefault() {
        return isDefault;
    }

    /**
     * The texts that end an assistant turn, at which generation stops: the marker the template
     * writes after an assistant message (which may be the EOS token), the end-of-turn markers of
     * {@link #END_OF_TURN_MARKERS} that the template writes, and those given by {@link
     * #withEndOfTurnTokens}. When one is a single special token of the vocabulary, stopping on that
     * token is equivalent.
     *
     * @return the end-of-turn strings, in that order, without duplicates
     */
    public List<String> stopStrings() {
        return stopStrings;
    }

    /**
     * Renders a conversation.
     *
     * @param messages the turns
     * @param addGenerationPrompt whether to end with the header of an assistant turn to generate
     * @return the text and its assistant spans
     * @throws InvalidConversationException if the template refuses the conversation ({@code
     *     raise_exception}), such as turns that do not alternate where it requires them to
     * @throws InvalidChatTemplateException if the template cannot be rendered at all
     */
    public Rendered render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        String text = renderText(messages, addGenerationPrompt);
        List<Span> spans =
                AssistantSpans.locate(text, messages, endMarkers, this::renderPromptOrNull);
        return new Rendered(text, spans);
    }

    /**
     * Renders a conversation to text only.
     *
     * @param messages the turns
     * @param addGenerationPrompt whether to end with the header of an assistant turn to generate
     * @return the text
     * @throws InvalidConversationException if the template refuses the conversation
     * @throws InvalidChatTemplateException if the template cannot be rendered at all
     */
    public String renderText(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (template == null) {
            throw new InvalidChatTemplateException(source, compileError.getMessage());
        }
        Map<String, Object> variables = new HashMap<>(specialTokens);
        variables.put("messages", asJinja(messages));
        variables.put("add_generation_prompt", addGenerationPrompt);
        variables.put("tools", null);
        variables.put("documents", null);
        try {
            return template.render(variables, clock);
        } catch (TemplateRaisedException e) {
            throw new InvalidConversationException(e.getMessage());
        } catch (JinjaTemplateException e) {
            throw new InvalidChatTemplateException(source, e.getMessage());
        }
    }

    /** The prompt before {@code messages} (with a generation prompt), or null if refused. */
    private String renderPromptOrNull(List<ChatMessage> messages) {
        try {
            return renderText(messages, true);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The messages as Hugging Face passes them: dicts with {@code role} and {@code content}. */
    private static List<Map<String, Object>> asJinja(List<ChatMessage> messages) {
        List<Map<String, Object>> out = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", message.role().wireName());
            map.put("content", message.content());
            out.add(map);
        }
        return out;
    }

    private List<String> probeStopStrings() {
        Set<String> stops = new LinkedHashSet<>();
        try {
            Rendered probe = render(PROBE, false);
            String pong = PROBE.get(1).content();
            for (Span span : probe.assistantSpans()) {
                String spanText = probe.text().substring(span.start(), span.end());
                String marker = spanText.substring(spanText.indexOf(pong) + pong.length()).strip();
                if (!marker.isEmpty()) {
                    stops.add(marker);
                }
            }
        } catch (RuntimeException e) {
            // A template that cannot render a plain exchange fails on render; its stops don't
            // matter.
        }
        for (String marker : END_OF_TURN_MARKERS) {
            if (source.contains(marker)) {
                stops.add(marker);
            }
        }
        stops.addAll(endOfTurnTokens);
        return List.copyOf(stops);
    }

    private static Map<String, Object> tokens(String bosToken, String eosToken) {
        Map<String, Object> tokens = new HashMap<>();
        tokens.put("bos_token", bosToken);
        tokens.put("eos_token", eosToken);
        return tokens;
    }

    private static Map<String, Object> withoutNulls(Map<String, ?> map) {
        Map<String, Object> out = new HashMap<>();
        map.forEach(
                (key, value) -> {
                    if (value != null) {
                        out.put(key, value);
                    }
                });
        return out;
    }
}
