package dev.anneal.tuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreferenceEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long EOS = 2;
    private static final String LINE =
            "{\"input\": {\"messages\": [{\"role\": \"user\", \"content\": \"Can I play?\"}]},"
                    + " \"preferred_output\": [{\"role\": \"assistant\", \"content\": \"Yes,"
                    + " please!\"}], \"non_preferred_output\": [{\"role\": \"assistant\","
                    + " \"content\": \"No. Go away.\"}]}";

    @Test
    void shouldTargetCompletionOnlyWhenEncodingPreferencePair() throws Exception {
        TextTokenizer tokenizer = Stories260K.tokenizer();
        JsonNode line = JSON.readTree(LINE);

        PreferencePair pair = new PreferenceEncoder(tokenizer, EOS).encode(line);

        long[] prompt =
                tokenizer
                        .encodeChat(
                                List.of(new ChatMessage(ChatMessage.Role.USER, "Can I play?")),
                                true)
                        .ids();
        for (TokenizedExample side : List.of(pair.chosen(), pair.rejected())) {
            assertThat(Arrays.copyOf(side.ids(), prompt.length)).isEqualTo(prompt);
            for (int t = 0; t < prompt.length; t++) {
                assertThat(side.targets()[t]).isFalse();
            }
            assertThat(side.targets()[prompt.length]).isTrue();
        }
        assertThat(pair.chosen().ids()).isNotEqualTo(pair.rejected().ids());
    }

    @Test
    void shouldEncodeLikePromptCompletionWhenLineHasPromptChosenRejected() throws Exception {
        TextTokenizer tokenizer = Stories260K.tokenizer();
        JsonNode line =
                JSON.readTree(
                        "{\"prompt\": \"Can I play?\", \"chosen\": \" Yes, please!\","
                                + " \"rejected\": \" No.\"}");

        PreferencePair pair = new PreferenceEncoder(tokenizer, EOS).encode(line);

        ExampleEncoder promptCompletion =
                new ExampleEncoder(tokenizer, LineFormat.PROMPT_COMPLETION, false, EOS);
        TokenizedExample rejected =
                promptCompletion.encode(
                        JSON.readTree("{\"prompt\": \"Can I play?\", \"completion\": \" No.\"}"));
        assertThat(pair.rejected().ids()).isEqualTo(rejected.ids());
        assertThat(pair.rejected().targets()).isEqualTo(rejected.targets());
        assertThat(pair.chosen().ids()).endsWith(EOS);
    }

    @Test
    void shouldNameFieldWhenOutputIsNotAssistant() throws Exception {
        JsonNode line =
                JSON.readTree(
                        LINE.replace(
                                "\"role\": \"assistant\", \"content\": \"No",
                                "\"role\": \"user\", \"content\": \"No"));

        assertThatThrownBy(() -> new PreferenceEncoder(Stories260K.tokenizer(), EOS).encode(line))
                .hasMessageContaining("non_preferred_output");
    }

    @Test
    void shouldPutSidesInTwoSegmentsAndTruncateHeadsWhenPackingPairs() {
        PreferencePair shortPair = pair(3, 2, 4);
        PreferencePair longPair = pair(3, 9, 2);
        PreferencePair promptOnly = pair(12, 2, 2);

        SequencePacker.Packed packed =
                SequencePacker.packPairs(List.of(shortPair, longPair, promptOnly), 8);

        assertThat(packed.stats())
                .isEqualTo(new DataStats(3, 2, 0, 1, 2, (4 + 6) + (8 + 4), 6 + 8));
        SequenceRow row = packed.rows().get(0);
        assertThat(row.segmentIds()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1, 1);
        assertThat(row.positionIds()).containsExactly(0, 1, 2, 3, 0, 1, 2, 3, 4, 5);
        assertThat(row.counted())
                .containsExactly(false, false, true, true, false, false, true, true, true, true);
        SequenceRow truncated = packed.rows().get(1);
        assertThat(Arrays.copyOf(truncated.inputIds(), 8))
                .isEqualTo(Arrays.copyOf(longPair.chosen().ids(), 8));
    }

    /** A prompt of {@code prompt} tokens, completions of the given lengths (ids by position). */
    private static PreferencePair pair(int prompt, int chosen, int rejected) {
        return new PreferencePair(side(prompt, chosen, 100), side(prompt, rejected, 200));
    }

    private static TokenizedExample side(int prompt, int completion, int base) {
        long[] ids = new long[prompt + completion];
        boolean[] targets = new boolean[ids.length];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = t < prompt ? 10 + t : base + t;
            targets[t] = t >= prompt;
        }
        return new TokenizedExample(ids, targets);
    }
}
