package dev.anneal.tuner.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.tuner.Stories260K;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TextTokenizer tokenizer = Stories260K.tokenizer();

    @Test
    void shouldPutBosFirstWhenEncodingOnceUponATime() {
        assertThat(tokenizer.encode("Once upon a time")).containsExactly(1, 403, 407, 261, 378);
        assertThat(tokenizer.bosTokenId()).isEqualTo(OptionalLong.of(1));
    }

    @Test
    void shouldLeaveBosOutWhenSpecialTokensAreNotAdded() {
        assertThat(tokenizer.encode("Once upon a time", false)).containsExactly(403, 407, 261, 378);
    }

    @Test
    void shouldGiveLlama2cTextWhenDecodingReferenceIds() throws Exception {
        assertThat(tokenizer.decode(Stories260K.expectedGreedyIds()))
                .isEqualTo(Stories260K.expectedGreedyText());
    }

    @Test
    void shouldNotTruncateWhenTextIsLongerThanModelMaxLength() {
        String longText = String.join(" ", Collections.nCopies(300, "Once upon a time"));

        assertThat(tokenizer.encode(longText)).hasSize(1 + 4 * 300);
    }

    @Test
    void shouldUseDefaultChatMlTemplateAfterBosWhenModelHasNone() {
        List<ChatMessage> chat =
                List.of(
                        ChatMessage.system("Be brief."),
                        ChatMessage.user("Hello"),
                        ChatMessage.assistant("Hi there"));

        ChatTemplate template = tokenizer.chatTemplate();

        assertThat(template.isDefault()).isTrue();
        assertThat(template.render(chat, false).text())
                .isEqualTo(
                        "<s><|im_start|>system\n"
                                + "Be brief.<|im_end|>\n"
                                + "<|im_start|>user\n"
                                + "Hello<|im_end|>\n"
                                + "<|im_start|>assistant\n"
                                + "Hi there<|im_end|>\n");
        assertThat(tokenizer.encodeChat(chat, false).ids()[0]).isEqualTo(1);
    }

    @Test
    void shouldMaskExactlyTheAssistantTurnsWhenEncodingChat() {
        List<ChatMessage> chat =
                List.of(
                        ChatMessage.user("Hello"),
                        ChatMessage.assistant("Hi there"),
                        ChatMessage.user("Tell me a story"),
                        ChatMessage.assistant("Once upon a time"));

        EncodedChat encoded = tokenizer.encodeChat(chat, false);

        assertThat(tokenizer.decode(masked(encoded, true), false))
                .isEqualTo("Hi there<|im_end|>Once upon a time<|im_end|>");
        assertThat(tokenizer.decode(masked(encoded, false), false))
                .doesNotContain("Hi", "Once")
                .contains("Hello", "Tell me a story");
    }

    @Test
    void shouldMaskAssistantTokensWhenAnswerHasControlCharacters() {
        // a toy model's random answer, judged in the playground, made DPO pairs without targets
        List<ChatMessage> chat =
                List.of(ChatMessage.user("Count"), ChatMessage.assistant("1\u0007 2\b 3\u001b"));

        EncodedChat encoded = tokenizer.encodeChat(chat, false);

        assertThat(tokenizer.decode(masked(encoded, true), false))
                .isEqualTo("1\u0007 2\b 3\u001b<|im_end|>");
    }

    @Test
    void shouldMaskAssistantTokensWhenTextHasCharactersOutsideTheBasicPlane() {
        List<ChatMessage> chat =
                List.of(ChatMessage.user("😀 café"), ChatMessage.assistant("ok 🙂 done"));

        EncodedChat encoded = tokenizer.encodeChat(chat, false);

        assertThat(tokenizer.decode(masked(encoded, true), false))
                .isEqualTo("ok 🙂 done<|im_end|>");
    }

    @Test
    void shouldEndWithAssistantHeaderWhenGenerationPromptIsAdded() {
        EncodedChat encoded = tokenizer.encodeChat(List.of(ChatMessage.user("Hello")), true);

        assertThat(tokenizer.decode(encoded.ids(), false)).endsWith("<|im_start|>assistant\n");
        assertThat(encoded.assistantMask()).containsOnly(false);
    }

    @Test
    void shouldMaskAnswersAndEndOfTurnWhenModelHasLlama3Template(@TempDir Path dir)
            throws IOException {
        ObjectNode config =
                (ObjectNode)
                        JSON.readTree(Stories260K.DIR.resolve("tokenizer_config.json").toFile());
        config.put(
                "chat_template",
                Files.readString(
                        Path.of(
                                "src",
                                "test",
                                "resources",
                                "fixtures",
                                "chat-templates",
                                "llama-3.2-instruct.jinja")));
        Files.copy(Stories260K.DIR.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        List<ChatMessage> chat =
                List.of(
                        ChatMessage.system("Be brief."),
                        ChatMessage.user("Hello"),
                        ChatMessage.assistant("Hi there"),
                        ChatMessage.user("Tell me a story"),
                        ChatMessage.assistant(" Once upon a time\n"));

        try (TextTokenizer llama = TextTokenizer.load(dir)) {
            EncodedChat encoded = llama.encodeChat(chat, false);

            assertThat(llama.chatTemplate().isDefault()).isFalse();
            assertThat(llama.decode(masked(encoded, true), false))
                    .isEqualTo("Hi there<|eot_id|>Once upon a time<|eot_id|>");
            assertThat(encoded.ids()[0]).isEqualTo(1);
            assertThat(llama.decode(encoded.ids(), false))
                    .contains("<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge")
                    .contains("Today Date: ");
            assertThat(llama.chatTemplate().stopStrings()).containsExactly("<|eot_id|>");
        }
    }

    private static long[] masked(EncodedChat encoded, boolean assistant) {
        return IntStream.range(0, encoded.length())
                .filter(i -> encoded.assistantMask()[i] == assistant)
                .mapToLong(i -> encoded.ids()[i])
                .toArray();
    }

    @Test
    void shouldEncodeEachTokenOnceWhenMaskIsBuilt() {
        EncodedChat encoded =
                tokenizer.encodeChat(
                        List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), false);

        assertThat(encoded.ids())
                .containsExactly(
                        tokenizer.encode(
                                tokenizer
                                        .chatTemplate()
                                        .render(
                                                List.of(
                                                        ChatMessage.user("a"),
                                                        ChatMessage.assistant("b")),
                                                false)
                                        .text(),
                                false));
        assertThat(Arrays.copyOf(encoded.assistantMask(), 1)).containsExactly(false);
    }
}
