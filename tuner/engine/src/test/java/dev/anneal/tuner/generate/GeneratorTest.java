package dev.anneal.tuner.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.tokenizer.ChatMessage;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    private static final String PROMPT = "Once upon a time";

    private final Generator generator = new Generator(Stories260K.model(), Stories260K.tokenizer());

    private final GenerationConfig greedy = GenerationConfig.builder().optMaxNewTokens(60).build();

    @Test
    void shouldReproduceLlama2cGreedyIdsWhenDecodingOnceUponATime() throws Exception {
        GenerationResult result = generator.generate(PROMPT, greedy);

        assertThat(result.promptIds()).containsExactly(1, 403, 407, 261, 378);
        assertThat(result.allIds()).containsExactly(Stories260K.expectedGreedyIds());
        assertThat(result.finishReason()).isEqualTo(GenerationResult.FinishReason.LENGTH);
    }

    @Test
    void shouldReproduceLlama2cTextWhenDecodingGreedyIds() throws Exception {
        GenerationResult result = generator.generate(PROMPT, greedy);

        assertThat(Stories260K.tokenizer().decode(result.allIds()))
                .isEqualTo(Stories260K.expectedGreedyText());
        assertThat(PROMPT + result.text()).isEqualTo(Stories260K.expectedGreedyText());
    }

    @Test
    void shouldGenerateSameIdsWithKvCacheAsWithFullRecomputation() {
        GenerationResult cached = generator.generate(PROMPT, greedy);
        GenerationResult recomputed =
                generator.generate(PROMPT, greedy.toBuilder().optUseKvCache(false).build());

        assertThat(cached.generatedIds()).containsExactly(recomputed.generatedIds());
    }

    @Test
    void shouldRepeatSampledTokensWhenSeedIsTheSame() {
        GenerationConfig sampled =
                greedy.toBuilder()
                        .optTemperature(1.0f)
                        .optTopK(40)
                        .optTopP(0.95f)
                        .optSeed(7)
                        .build();

        long[] first = generator.generate(PROMPT, sampled).generatedIds();
        long[] again = generator.generate(PROMPT, sampled).generatedIds();
        long[] otherSeed =
                generator.generate(PROMPT, sampled.toBuilder().optSeed(8).build()).generatedIds();

        assertThat(again).containsExactly(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    @Test
    void shouldCutTextBeforeStopSequenceWhenGenerationReachesIt() {
        GenerationConfig config = greedy.toBuilder().optStopSequences(List.of("Lily")).build();

        GenerationResult result = generator.generate(PROMPT, config);

        assertThat(result.finishReason()).isEqualTo(GenerationResult.FinishReason.STOP_SEQUENCE);
        assertThat(result.text()).isEqualTo(", there was a little girl named ");
    }

    @Test
    void shouldStopAfterEosTokenWhenItIsGenerated() throws Exception {
        // 13 (a newline) is the 63rd id of the reference: the 58th generated token.
        GenerationConfig config = greedy.toBuilder().optEosTokenIds(Set.of(13L)).build();

        GenerationResult result = generator.generate(PROMPT, config);

        assertThat(result.finishReason()).isEqualTo(GenerationResult.FinishReason.EOS);
        assertThat(result.generatedIds()).hasSize(58).endsWith(13L);
        assertThat(result.text()).endsWith("it was too high.\n");
    }

    @Test
    void shouldStopAtMaxNewTokensWhenNoStopIsReached() {
        GenerationResult result =
                generator.generate(PROMPT, greedy.toBuilder().optMaxNewTokens(3).build());

        assertThat(result.generatedIds()).containsExactly(432, 383, 286);
        assertThat(result.finishReason()).isEqualTo(GenerationResult.FinishReason.LENGTH);
    }

    @Test
    void shouldTakeEosFromGenerationConfigWhenDefaultsComeFromModelFolder() throws Exception {
        GenerationConfig defaults = GenerationConfig.defaultsFrom(Stories260K.DIR).build();

        assertThat(defaults.eosTokenIds()).containsExactly(2L);
        assertThat(defaults.greedy()).isTrue();
    }

    @Test
    void shouldAnswerAfterChatTemplateWhenChatting() {
        GenerationResult result =
                generator.chat(
                        List.of(ChatMessage.user("Tell me a story")),
                        greedy.toBuilder().optMaxNewTokens(8).build());

        assertThat(result.promptIds())
                .containsExactly(
                        Stories260K.tokenizer()
                                .encodeChat(List.of(ChatMessage.user("Tell me a story")), true)
                                .ids());
        assertThat(result.generatedIds()).isNotEmpty();
    }

    @Test
    void shouldRejectPromptWhenItFillsTheContext() {
        long[] tooLong = new long[512];

        assertThatThrownBy(() -> generator.generate(tooLong, greedy))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_position_embeddings");
    }
}
