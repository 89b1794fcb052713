package dev.anneal.tuner.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Templates as published in the models' {@code tokenizer_config.json}, JSON escapes undone, on
 * small conversations; {@link ChatTemplateRenderingTest} holds the byte-for-byte comparisons with
 * Jinja2.
 */
class ChatTemplateTest {

    private static final String QWEN2 =
            "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                    + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
                    + "{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
                    + " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
                    + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** meta-llama/Llama-2-7b-chat-hf. */
    private static final String LLAMA2 =
            "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set"
                    + " system_message = messages[0]['content'] %}{% else %}{% set loop_messages ="
                    + " messages %}{% set system_message = false %}{% endif %}{% for message in"
                    + " loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0)"
                    + " %}{{ raise_exception('Conversation roles must alternate"
                    + " user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and"
                    + " system_message != false %}{% set content = '<<SYS>>\\n' + system_message +"
                    + " '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content ="
                    + " message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{"
                    + " bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif"
                    + " message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' +"
                    + " eos_token }}{% endif %}{% endfor %}";

    /** mistralai/Mistral-7B-Instruct-v0.2, as in the rendering fixtures. */
    private static final String MISTRAL = fixture("mistral-7b-instruct-v0.2");

    private static final String LLAMA3 =
            "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content ="
                    + " '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+"
                    + " message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
                    + "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
                    + "{% if add_generation_prompt %}"
                    + "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    private static final String ZEPHYR =
            "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
                    + "{{ '<|user|>\\n' + message['content'] + eos_token }}\n"
                    + "{% elif message['role'] == 'system' %}\n"
                    + "{{ '<|system|>\\n' + message['content'] + eos_token }}\n"
                    + "{% elif message['role'] == 'assistant' %}\n"
                    + "{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n"
                    + "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n"
                    + "{% endif %}\n{% endfor %}";

    private static final List<ChatMessage> CHAT =
            List.of(
                    ChatMessage.system("Be brief."),
                    ChatMessage.user("Hi"),
                    ChatMessage.assistant("Hello!"),
                    ChatMessage.user("Bye"));

    @Test
    void shouldInsertDefaultSystemMessageWhenChatMlTemplateHasOne() {
        ChatTemplate template = ChatTemplate.of(QWEN2, null, "<|im_end|>");

        ChatTemplate.Rendered rendered =
                template.render(
                        List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!")), true);

        assertThat(template.format()).isEqualTo(ChatTemplate.Format.CHATML);
        assertThat(rendered.text())
                .isEqualTo(
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                                + "<|im_start|>user\nHi<|im_end|>\n"
                                + "<|im_start|>assistant\nHello!<|im_end|>\n"
                                + "<|im_start|>assistant\n");
        assertThat(spanTexts(rendered)).containsExactly("Hello!<|im_end|>");
        assertThat(template.stopStrings()).containsExactly("<|im_end|>");
    }

    @Test
    void shouldPutSystemInFirstInstructionWhenTemplateIsLlama2() {
        ChatTemplate template = ChatTemplate.of(LLAMA2, "<s>", "</s>");

        ChatTemplate.Rendered rendered = template.render(CHAT, true);

        assertThat(template.format()).isEqualTo(ChatTemplate.Format.LLAMA2);
        assertThat(rendered.text())
                .isEqualTo(
                        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s>"
                                + "<s>[INST] Bye [/INST]");
        assertThat(spanTexts(rendered)).containsExactly("Hello! </s>");
    }

    @Test
    void shouldPrependSystemToFirstUserMessageWhenTemplateIsMistral() {
        ChatTemplate template = ChatTemplate.of(MISTRAL, "<s>", "</s>");

        ChatTemplate.Rendered rendered = template.render(CHAT, true);

        assertThat(template.format()).isEqualTo(ChatTemplate.Format.MISTRAL);
        assertThat(rendered.text())
                .isEqualTo("<s> [INST] Be brief.\n\nHi [/INST] Hello!</s> [INST] Bye [/INST]");
        assertThat(spanTexts(rendered)).containsExactly("Hello!</s>");
        assertThat(template.stopStrings()).containsExactly("</s>");
    }

    @Test
    void shouldUseHeadersAndEotWhenTemplateIsLlama3() {
        ChatTemplate template = ChatTemplate.of(LLAMA3, "<|begin_of_text|>", "<|end_of_text|>");

        ChatTemplate.Rendered rendered = template.render(CHAT, true);

        assertThat(template.format()).isEqualTo(ChatTemplate.Format.LLAMA3);
        assertThat(rendered.text())
                .isEqualTo(
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                                + "Be brief.<|eot_id|>"
                                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                                + "<|start_header_id|>assistant<|end_header_id|>\n\n"
                                + "Hello!<|eot_id|>"
                                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(spanTexts(rendered)).containsExactly("Hello!<|eot_id|>");
        assertThat(template.stopStrings()).containsExactly("<|eot_id|>");
    }

    @Test
    void shouldEndTurnsWithEosWhenTemplateIsZephyr() {
        ChatTemplate template = ChatTemplate.of(ZEPHYR, "<s>", "</s>");

        ChatTemplate.Rendered rendered = template.render(CHAT, true);

        assertThat(template.format()).isEqualTo(ChatTemplate.Format.ZEPHYR);
        assertThat(rendered.text())
                .isEqualTo(
                        "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n"
                                + "<|user|>\nBye</s>\n<|assistant|>\n");
        assertThat(spanTexts(rendered)).containsExactly("Hello!</s>");
    }

    @Test
    void shouldRejectConversationWhenRolesDoNotAlternateInLlama2() {
        ChatTemplate template = ChatTemplate.of(LLAMA2, "<s>", "</s>");

        assertThatThrownBy(
                        () ->
                                template.render(
                                        List.of(ChatMessage.user("a"), ChatMessage.user("b")),
                                        true))
                .isInstanceOf(InvalidConversationException.class)
                .hasMessageContaining("alternate");
    }

    @Test
    void shouldRenderTemplateWhenItIsOfNoKnownFamily() {
        ChatTemplate template =
                ChatTemplate.of(
                        "{% for m in messages %}<<{{ m.role | upper }}: {{ m.content }}>>"
                                + "{% endfor %}"
                                + "{% if add_generation_prompt %}<<ASSISTANT: {% endif %}",
                        null, null);

        ChatTemplate.Rendered rendered = template.render(CHAT, true);

        assertThat(template.format()).isNull();
        assertThat(rendered.text())
                .isEqualTo(
                        "<<SYSTEM: Be brief.>><<USER: Hi>><<ASSISTANT: Hello!>><<USER: Bye>>"
                                + "<<ASSISTANT: ");
        assertThat(spanTexts(rendered)).containsExactly("Hello!");
    }

    @Test
    void shouldNameTemplateWhenItsJinjaIsBroken() {
        ChatTemplate template =
                ChatTemplate.of("{% for m in messages %}<<{{ m.content }}>>", null, null);

        assertThatThrownBy(() -> template.render(CHAT, true))
                .isInstanceOf(InvalidChatTemplateException.class)
                .hasMessageContaining("chat_template")
                .hasMessageContaining("{% for m in messages %}");
    }

    @Test
    void shouldWriteContentLiterallyWhenItLooksLikeJinja() {
        ChatTemplate template = ChatTemplate.of(fixture("chatml"), "<s>", "<|im_end|>");

        String text =
                template.render(
                                List.of(ChatMessage.user("{{ 7 * 7 }} {% if true %}x{% endif %}")),
                                false)
                        .text();

        assertThat(text)
                .isEqualTo("<|im_start|>user\n{{ 7 * 7 }} {% if true %}x{% endif %}<|im_end|>\n");
    }

    @Test
    void shouldSpanEndOfTurnOnlyWhenAnswerIsEmpty() {
        ChatTemplate template = ChatTemplate.of(LLAMA3, "<|begin_of_text|>", "<|end_of_text|>");

        ChatTemplate.Rendered rendered =
                template.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("")), false);

        assertThat(spanTexts(rendered)).containsExactly("<|eot_id|>");
    }

    @Test
    void shouldStopAtVocabularysEndOfTurnTokensWhenTemplateDoesNotWriteThem() {
        ChatTemplate template =
                ChatTemplate.of(LLAMA3, "<|begin_of_text|>", "<|end_of_text|>")
                        .withEndOfTurnTokens(List.of("<|eot_id|>", "<|eom_id|>"));

        assertThat(template.stopStrings()).containsExactly("<|eot_id|>", "<|eom_id|>");
    }

    @Test
    void shouldRenderPlainChatMlWithoutBosWhenDefaultTemplateHasNoBos() {
        ChatTemplate template = ChatTemplate.defaultTemplate(null, null);

        assertThat(template.render(List.of(ChatMessage.user("Hi")), true).text())
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    private static String fixture(String name) {
        try {
            return Files.readString(
                    Path.of(
                            "src",
                            "test",
                            "resources",
                            "fixtures",
                            "chat-templates",
                            name + ".jinja"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> spanTexts(ChatTemplate.Rendered rendered) {
        return rendered.assistantSpans().stream()
                .map(span -> rendered.text().substring(span.start(), span.end()))
                .toList();
    }
}
