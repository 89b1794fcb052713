package dev.anneal.serving.structured;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.generate.TokenConstraint;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.nano.AnnealNano;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's guarantee on real models: 100 answers sampled at temperature 1 from {@code
 * anneal-nano}, whose random weights write noise, are all complete, valid JSON, and with a schema
 * all validate (checked by {@link TinySchemaValidator}, not by the grammar). The text checked is
 * the tokenizer's decoding of the tokens, so the vocabulary's idea of each token's bytes is checked
 * too. stories260K does the same through a SentencePiece vocabulary.
 */
class JsonSchemaConstraintTest {

    private static final int SAMPLES = 100;

    /** Room for some content beyond the shortest document (53 bytes for the schema). */
    private static final int MAX_TOKENS = 96;

    private static final ObjectMapper STRICT =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @TempDir static Path cache;

    private static NDManager manager;

    @BeforeAll
    static void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }

    @Test
    void shouldAnswerValidJsonObjectsWhenNanoSamplesAtTemperatureOne() throws Exception {
        List<JsonNode> answers = sample(AnnealNano.materialize(cache), null, 1_000);

        assertThat(answers).hasSize(SAMPLES).allSatisfy(a -> assertThat(a.isObject()).isTrue());
        assertThat(answers.stream().filter(a -> !a.isEmpty()))
                .as("answers with at least one property")
                .hasSizeGreaterThan(SAMPLES / 2);
    }

    @Test
    void shouldAnswerValidDocumentsWhenNanoSamplesWithEverySchemaKeyword() throws Exception {
        JsonNode schema = Schemas.json(Schemas.EVERY_KEYWORD);

        List<JsonNode> answers = sample(AnnealNano.materialize(cache), schema, 2_000);

        assertThat(answers)
                .hasSize(SAMPLES)
                .allSatisfy(a -> assertThat(TinySchemaValidator.errors(a, schema)).isEmpty());
        assertThat(answers.stream().filter(a -> a.size() > 4))
                .as("answers with optional properties")
                .isNotEmpty();
    }

    @Test
    void shouldAnswerValidDocumentsWhenVocabularyIsSentencePiece() throws Exception {
        JsonNode schema = Schemas.json(Schemas.EVERY_KEYWORD);

        List<JsonNode> answers = sample(VocabularyTest.STORIES_260K, schema, 3_000);

        assertThat(answers)
                .hasSize(SAMPLES)
                .allSatisfy(a -> assertThat(TinySchemaValidator.errors(a, schema)).isEmpty());
    }

    /**
     * Samples {@link #SAMPLES} answers to a chat prompt and parses each as the serving loop would
     * see it: the tokenizer's text of the tokens before EOS, after the prompt.
     *
     * @param modelDir the model
     * @param schema the schema, or {@code null} for {@code json_object}
     * @param seed the first sampler's seed
     */
    private static List<JsonNode> sample(Path modelDir, JsonNode schema, long seed)
            throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            LlamaForCausalLM model = HfModelLoader.load(modelDir, manager);
            Set<Long> eos = new HashSet<>(model.config().eosTokenIds());
            Vocabulary vocabulary = Vocabulary.of(tokenizer, model.config().vocabSize(), eos);
            StructuredOutput format =
                    schema == null
                            ? StructuredOutput.jsonObject(vocabulary)
                            : StructuredOutput.jsonSchema(schema, vocabulary);
            List<TokenConstraint> constraints = new ArrayList<>();
            for (int i = 0; i < SAMPLES; i++) {
                constraints.add(format.newConstraint(MAX_TOKENS));
            }
            long[] prompt =
                    tokenizer
                            .encodeChat(
                                    List.of(ChatMessage.user("Describe a person as JSON.")), true)
                            .ids();

            List<long[]> tokens =
                    ConstrainedSampling.sample(
                            (CausalLm) model, prompt, constraints, MAX_TOKENS, eos, seed);

            List<JsonNode> answers = new ArrayList<>();
            for (int i = 0; i < SAMPLES; i++) {
                long[] answer = tokens.get(i);
                assertThat(answer.length).isLessThanOrEqualTo(MAX_TOKENS);
                assertThat(eos)
                        .as("answer %d ends with EOS", i)
                        .contains(answer[answer.length - 1]);
                assertThat(constraints.get(i).isComplete()).isTrue();
                String text = decodeAfter(tokenizer, prompt, answer);
                answers.add(STRICT.readTree(text));
            }
            return answers;
        }
    }

    /** The answer's text as it reads after the prompt, as the serving loop decodes it. */
    private static String decodeAfter(TextTokenizer tokenizer, long[] prompt, long[] answer) {
        long[] all = Arrays.copyOf(prompt, prompt.length + answer.length - 1);
        System.arraycopy(answer, 0, all, prompt.length, answer.length - 1);
        String promptText = tokenizer.decode(prompt);
        String text = tokenizer.decode(all);
        assertThat(text).startsWith(promptText);
        return text.substring(promptText.length());
    }
}
