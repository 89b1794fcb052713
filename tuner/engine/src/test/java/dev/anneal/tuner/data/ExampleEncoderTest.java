package dev.anneal.tuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExampleEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long EOS = 2;

    private static JsonNode line(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean flag : flags) {
            n += flag ? 1 : 0;
        }
        return n;
    }

    @Test
    void shouldTargetCompletionAndEosOnlyWhenEncodingPromptCompletion() throws Exception {
        TextTokenizer tokenizer = Stories260K.tokenizer();
        ExampleEncoder encoder =
                new ExampleEncoder(tokenizer, LineFormat.PROMPT_COMPLETION, false, EOS);

        TokenizedExample example =
                encoder.encode(
                        line("{\"prompt\": \"Once upon a time\", \"completion\": \" Tim\"}"));

        long[] prompt = tokenizer.encode("Once upon a time");
        long[] completion = tokenizer.encode(" Tim", false);
        assertThat(example.ids()).startsWith(prompt).endsWith(EOS);
        assertThat(example.length()).isEqualTo(prompt.length + completion.length + 1);
        assertThat(count(example.targets())).isEqualTo(completion.length + 1);
        assertThat(example.targets()[prompt.length - 1]).isFalse();
        assertThat(example.targets()[prompt.length]).isTrue();
    }

    @Test
    void shouldTargetEveryTokenWhenTrainingOnInputs() throws Exception {
        ExampleEncoder encoder =
                new ExampleEncoder(
                        Stories260K.tokenizer(), LineFormat.PROMPT_COMPLETION, true, EOS);

        TokenizedExample example =
                encoder.encode(line("{\"prompt\": \"Once upon\", \"completion\": \" a time\"}"));

        assertThat(count(example.targets())).isEqualTo(example.length());
    }

    @Test
    void shouldTargetAssistantTokensOnlyWhenEncodingChat() throws Exception {
        TextTokenizer tokenizer = Stories260K.tokenizer();
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, LineFormat.CHAT, false, EOS);
        JsonNode chat =
                line(
                        "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"},"
                                + " {\"role\": \"assistant\", \"content\": \"Tim ran.\"}]}");

        TokenizedExample example = encoder.encode(chat);

        boolean[] expected =
                tokenizer
                        .encodeChat(
                                List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Tim ran.")),
                                false)
                        .assistantMask();
        assertThat(example.targets()).containsExactly(expected);
        assertThat(count(example.targets())).isPositive().isLessThan(example.length());
    }

    @Test
    void shouldTargetEveryTokenBetweenBosAndEosWhenEncodingText() throws Exception {
        ExampleEncoder encoder =
                new ExampleEncoder(Stories260K.tokenizer(), LineFormat.TEXT, false, EOS);

        TokenizedExample example = encoder.encode(line("{\"text\": \"Once upon a time\"}"));

        assertThat(example.ids()).startsWith(1, 403, 407, 261, 378).endsWith(EOS);
        assertThat(count(example.targets())).isEqualTo(example.length());
    }

    @Test
    void shouldNameFieldWhenRoleIsUnknown() {
        ExampleEncoder encoder =
                new ExampleEncoder(Stories260K.tokenizer(), LineFormat.CHAT, false, EOS);

        assertThatThrownBy(
                        () ->
                                encoder.encode(
                                        line(
                                                "{\"messages\": [{\"role\": \"tool\", \"content\":"
                                                        + " \"x\"}]}")))
                .hasMessageContaining("messages[0].role");
    }
}
