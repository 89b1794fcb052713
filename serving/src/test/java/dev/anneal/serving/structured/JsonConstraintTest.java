package dev.anneal.serving.structured;

import static dev.anneal.serving.structured.Schemas.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.generate.TokenConstraint;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The token constraint over a made-up vocabulary, with tokens drawn uniformly among the allowed.
 */
class JsonConstraintTest {

    private static final int SIZE = 2_000;
    private static final Vocabulary VOCABULARY = SyntheticVocabulary.of(SIZE);
    private static final int EOS = (int) SyntheticVocabulary.eos(SIZE);
    private static final int BOS = EOS - 1;
    private static final ObjectMapper STRICT =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static int tokenOf(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int id = 0; id < VOCABULARY.size(); id++) {
            if (java.util.Arrays.equals(VOCABULARY.bytes(id), bytes)) {
                return id;
            }
        }
        throw new AssertionError("no token " + text);
    }

    @Test
    void shouldAllowOnlyEosWhenComplete() {
        TokenConstraint constraint = StructuredOutput.jsonObject(VOCABULARY).newConstraint(10);
        constraint.accept(tokenOf("{"));
        assertThat(constraint.isComplete()).isFalse();
        constraint.accept(tokenOf("}"));

        assertThat(constraint.isComplete()).isTrue();
        assertThat(constraint.allowed().stream().toArray()).containsExactly(EOS);
    }

    @Test
    void shouldNeverAllowEosOrSpecialTokensWhenIncomplete() {
        TokenConstraint constraint = StructuredOutput.jsonObject(VOCABULARY).newConstraint(10);

        BitSet allowed = constraint.allowed();

        assertThat(allowed.get(EOS)).isFalse();
        assertThat(allowed.get(BOS)).isFalse();
        assertThat(allowed.get(0xC3)).as("half a character").isFalse();
        assertThat(allowed.get(tokenOf("{"))).isTrue();
        assertThat(allowed.get(tokenOf("{\""))).isTrue();
        assertThat(allowed.get(tokenOf(" "))).isTrue();
        assertThat(allowed.get(tokenOf("["))).isFalse();
        assertThatThrownBy(() -> constraint.accept(EOS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("before the JSON is complete");
        assertThatThrownBy(() -> constraint.accept(tokenOf("[")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit");
    }

    @Test
    void shouldCloseFastWhenBudgetRunsShort() {
        // After {"a the cheapest finish is ":0} and EOS: 5 tokens. With 6 left the key may grow
        // by a token; with 5 left it must close now.
        TokenConstraint roomy = StructuredOutput.jsonObject(VOCABULARY).newConstraint(8);
        TokenConstraint tight = StructuredOutput.jsonObject(VOCABULARY).newConstraint(7);
        for (TokenConstraint constraint : List.of(roomy, tight)) {
            constraint.accept(tokenOf("{\""));
            constraint.accept(tokenOf("a"));
        }

        assertThat(roomy.allowed().get(tokenOf("b"))).isTrue();
        assertThat(tight.allowed().get(tokenOf("b"))).isFalse();
        // Every token left closes the key: it holds a quote.
        assertThat(tight.allowed().stream().mapToObj(VOCABULARY::bytes))
                .isNotEmpty()
                .allSatisfy(bytes -> assertThat(bytes).contains((byte) '"'))
                .anySatisfy(bytes -> assertThat(bytes).isEqualTo(new byte[] {'"'}));
    }

    @Test
    void shouldRefuseBudgetWhenShortestDocumentDoesNotFit() {
        StructuredOutput format =
                StructuredOutput.jsonSchema(json(Schemas.EVERY_KEYWORD), VOCABULARY);

        assertThat(format.minTokens()).isEqualTo(54);
        assertThat(format.newConstraint(54)).isNotNull();
        assertThatThrownBy(() -> format.newConstraint(53))
                .isInstanceOf(MaxTokensTooSmallException.class)
                .hasMessage(
                        "max_tokens 53 is too small for this response format: it needs at least"
                                + " 54");
    }

    @Test
    void shouldEndCompleteAndValidWhenTokensAreDrawnAtRandom() throws Exception {
        JsonNode schema = json(Schemas.EVERY_KEYWORD);
        StructuredOutput format = StructuredOutput.jsonSchema(schema, VOCABULARY);
        StructuredOutput anyObject = StructuredOutput.jsonObject(VOCABULARY);
        SplittableRandom random = new SplittableRandom(11);
        for (int sample = 0; sample < 400; sample++) {
            boolean withSchema = sample % 2 == 0;
            int maxTokens =
                    (withSchema ? format.minTokens() : anyObject.minTokens()) + random.nextInt(80);
            TokenConstraint constraint = (withSchema ? format : anyObject).newConstraint(maxTokens);

            String text = drawUniformly(constraint, maxTokens, random);

            JsonNode value = STRICT.readTree(text);
            assertThat(value.isObject()).as(text).isTrue();
            if (withSchema) {
                assertThat(TinySchemaValidator.errors(value, schema)).as(text).isEmpty();
            }
        }
    }

    /** Draws allowed tokens until EOS; fails if the budget runs out first. */
    private static String drawUniformly(
            TokenConstraint constraint, int maxTokens, SplittableRandom random) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int generated = 0; generated < maxTokens; generated++) {
            int[] allowed = constraint.allowed().stream().toArray();
            assertThat(allowed).isNotEmpty();
            int token = allowed[random.nextInt(allowed.length)];
            constraint.accept(token);
            if (token == EOS) {
                assertThat(constraint.isComplete()).isTrue();
                return text.toString(StandardCharsets.UTF_8);
            }
            text.writeBytes(VOCABULARY.bytes(token));
        }
        throw new AssertionError(
                "No EOS within " + maxTokens + " tokens: " + text.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldLeaveOutPartialCharactersWhenBuildingVocabulary() {
        assertThat(VOCABULARY.size()).isEqualTo(SIZE);
        // 0x80 to 0xFF hold no whole character; BOS and EOS are special.
        assertThat(VOCABULARY.textTokens()).isEqualTo(SIZE - 128 - 2);
        assertThatThrownBy(
                        () ->
                                Vocabulary.ofTokenBytes(
                                        List.of(new byte[] {'a'}, new byte[] {'b'}),
                                        java.util.Set.of(1L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no single token for ' ' (0x20)");
    }
}
