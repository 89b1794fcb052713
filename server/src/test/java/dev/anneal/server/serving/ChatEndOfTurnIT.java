package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chat answers of a model whose chat template ends an assistant turn with a special token that is
 * not its EOS token ({@code <|eot_id|>}, EOS {@code </s>}), as Llama 3's first releases shipped:
 * generation stops at the end of the turn, which never shows in the content, and {@code stop}
 * strings still cut the answer before them, with finish reason {@code stop}.
 *
 * <p>The model is stories260K with such a template, and with its {@code .} token renamed {@code
 * <|eot_id|>} and made special: it ends its turn where stories260K ends its first sentence. The
 * same template on the unchanged tokenizer, where {@code <|eot_id|>} is plain text the model never
 * writes, gives the answer that the turn's end must cut; the prompt holds neither {@code .} nor the
 * marker, so both models see the same tokens.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class ChatEndOfTurnIT {

    private static final String END_OF_TURN = "<|eot_id|>";

    /** A plain layout, the end-of-turn marker after each answer only. */
    private static final String TEMPLATE =
            "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
                    + "{{ 'User: ' + message['content'] + '\\n' }}"
                    + "{% else %}{{ 'Assistant: ' + message['content'] + '"
                    + END_OF_TURN
                    + "\\n' }}{% endif %}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    private static final String PROMPT = "Tell me a story";
    private static final int MAX_TOKENS = 48;

    @TempDir static Path scratch;

    private static String key;
    private static String endOfTurnModel;

    /** The answer to {@link #PROMPT} with the marker as plain text: the sentences go on. */
    private static JsonNode plainAnswer;

    @BeforeEach
    void models() throws IOException {
        if (key != null) {
            return;
        }
        key = TestApi.newTenantKey();
        Path plain = ServingTestSupport.copyStories260K(scratch.resolve("plain"));
        withTemplate(plain);
        Path special = ServingTestSupport.copyStories260K(scratch.resolve("end-of-turn"));
        withTemplate(special);
        withFullStopAsEndOfTurn(special);
        String plainModel = ServingTestSupport.registerBaseModel("plain-template", plain);
        endOfTurnModel = ServingTestSupport.registerBaseModel("end-of-turn", special);
        Map<String, Object> request =
                ServingTestSupport.greedyChat(plainModel, PROMPT, MAX_TOKENS, false);
        request.put("logprobs", true);
        plainAnswer = chat(request);
    }

    @Test
    void shouldStopAtEndOfTurnTokenAndKeepItOutOfContentWhenItIsNotEos() {
        JsonNode answer =
                chat(ServingTestSupport.greedyChat(endOfTurnModel, PROMPT, MAX_TOKENS, false));

        assertThat(tokensBeforeFullStop()).as("tokens of the first sentence").isGreaterThan(2);
        String content = answer.at("/choices/0/message/content").asText();
        assertThat(content).isEqualTo(firstSentence()).doesNotContain(END_OF_TURN);
        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        // the turn's end is the last token generated
        assertThat(answer.at("/usage/completion_tokens").asInt())
                .isEqualTo(tokensBeforeFullStop() + 1);
    }

    @Test
    void shouldStreamUpToEndOfTurnWithoutItWhenStreaming() {
        String stream =
                as(key).contentType("application/json")
                        .body(
                                ServingTestSupport.greedyChat(
                                        endOfTurnModel, PROMPT, MAX_TOKENS, true))
                        .post("/v1/chat/completions")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString();

        List<String> data = JobTestSupport.sseData(stream);
        assertThat(data).last().isEqualTo("[DONE]");
        List<JsonNode> chunks = CompletionClient.chunks(data);
        assertThat(chunks)
                .allSatisfy(
                        c ->
                                assertThat(c.at("/choices/0/delta/content").asText(""))
                                        .doesNotContain(END_OF_TURN));
        assertThat(CompletionClient.chatContent(chunks)).isEqualTo(firstSentence());
        assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText())
                .isEqualTo("stop");
    }

    @Test
    void shouldCutBeforeStopStringWhenItComesBeforeEndOfTurn() {
        String sentence = firstSentence();
        String stop = sentence.substring(sentence.length() / 2, sentence.length() / 2 + 3);
        Map<String, Object> request =
                ServingTestSupport.greedyChat(endOfTurnModel, PROMPT, MAX_TOKENS, false);
        request.put("stop", List.of(stop));

        JsonNode answer = chat(request);

        String content = answer.at("/choices/0/message/content").asText();
        assertThat(content).isEqualTo(sentence.substring(0, sentence.indexOf(stop)));
        assertThat(content).doesNotContain(stop).doesNotContain(END_OF_TURN);
        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void shouldStillStopAtEndOfTurnWhenStopStringWouldComeLater() {
        String plain = plainAnswer.at("/choices/0/message/content").asText();
        String later = plain.substring(plain.indexOf('.') + 1);
        String stop =
                Arrays.stream(later.split("\\W+"))
                        .filter(word -> word.length() >= 3 && !firstSentence().contains(word))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("No new word after: " + plain));
        Map<String, Object> request =
                ServingTestSupport.greedyChat(endOfTurnModel, PROMPT, MAX_TOKENS, false);
        request.put("stop", List.of(stop, "zzz"));

        JsonNode answer = chat(request);

        assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo(firstSentence());
        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    /** The plain answer up to its first full stop, where the special model's turn ends. */
    private static String firstSentence() {
        String plain = plainAnswer.at("/choices/0/message/content").asText();
        assertThat(plain).as("the plain answer ends a sentence").contains(".");
        return plain.substring(0, plain.indexOf('.'));
    }

    /** How many tokens the plain answer has before its first full stop. */
    private static int tokensBeforeFullStop() {
        JsonNode tokens = plainAnswer.at("/choices/0/logprobs/content");
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).get("token").asText().contains(".")) {
                assertThat(tokens.get(i).get("token").asText()).isEqualTo(".");
                return i;
            }
        }
        throw new AssertionError("No full stop in " + tokens);
    }

    private static JsonNode chat(Map<String, Object> request) {
        return JobTestSupport.parse(
                as(key).contentType("application/json")
                        .body(request)
                        .post("/v1/chat/completions")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
    }

    /** Sets {@link #TEMPLATE} as the model's chat template; EOS stays {@code </s>}. */
    private static void withTemplate(Path model) throws IOException {
        ServingTestSupport.editJson(
                model.resolve("tokenizer_config.json"),
                config -> config.put("chat_template", TEMPLATE));
    }

    /** Renames the {@code .} token {@link #END_OF_TURN} and declares it a special token. */
    private static void withFullStopAsEndOfTurn(Path model) throws IOException {
        ServingTestSupport.editJson(
                model.resolve("tokenizer.json"),
                tokenizer -> {
                    ObjectNode vocab = (ObjectNode) tokenizer.at("/model/vocab");
                    int id = vocab.remove(".").asInt();
                    vocab.put(END_OF_TURN, id);
                    ObjectNode token = ((ArrayNode) tokenizer.get("added_tokens")).addObject();
                    token.put("id", id);
                    token.put("content", END_OF_TURN);
                    token.put("single_word", false);
                    token.put("lstrip", false);
                    token.put("rstrip", false);
                    token.put("normalized", false);
                    token.put("special", true);
                });
    }
}
