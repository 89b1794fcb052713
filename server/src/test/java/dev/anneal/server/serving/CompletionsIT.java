package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's completion routes over the serving engine, through HTTP only: shapes, streaming, the
 * parameters, the errors, isolation, and greedy answers equal to the engine's own {@link Generator}
 * on the same model and prompt.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class CompletionsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path STORIES_260K = JobTestSupport.STORIES_260K;

    private static String key;
    private static String stories;
    private static String otherKey;
    private static String ownLora;
    private static String othersLora;

    @TempDir static Path scratch;

    @BeforeEach
    void tenantAndModel() {
        if (key != null) {
            return;
        }
        key = TestApi.newTenantKey();
        stories = "stories260k-" + UUID.randomUUID().toString().substring(0, 8);
        asAdmin()
                .contentType("application/json")
                .body(Map.of("id", stories, "path", STORIES_260K.toString()))
                .post("/v1/admin/models")
                .then()
                .statusCode(201);
        try {
            otherKey = TestApi.newTenantKey();
            ownLora = JobTestSupport.trainTinyLora(key, stories);
            othersLora = JobTestSupport.trainTinyLora(otherKey, stories);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Response post(String route, Map<String, Object> body) {
        return as(key).contentType("application/json").body(body).post(route);
    }

    private static JsonNode ok(String route, Map<String, Object> body) {
        return parse(post(route, body).then().statusCode(200).extract().asString());
    }

    private static Map<String, Object> body(Object... pairs) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            body.put((String) pairs[i], pairs[i + 1]);
        }
        return body;
    }

    private static List<Object> user(String text) {
        return List.of(Map.of("role", "user", "content", text));
    }

    private static GenerationConfig greedy(Path model, int tokens) throws IOException {
        return GenerationConfig.defaultsFrom(model)
                .optMaxNewTokens(tokens)
                .optTemperature(0)
                .optTopK(0)
                .optTopP(1)
                .build();
    }

    @Test
    void shouldAnswerTextCompletionAsGeneratorGreedyWhenTemperatureIsZero() throws Exception {
        JsonNode answer =
                ok(
                        "/v1/completions",
                        body(
                                "model",
                                stories,
                                "prompt",
                                "Once upon a time",
                                "max_tokens",
                                30,
                                "temperature",
                                0));

        GenerationResult expected;
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(STORIES_260K)) {
            LlamaForCausalLM model = HfModelLoader.load(STORIES_260K, manager);
            expected =
                    new Generator(model, tokenizer)
                            .generate("Once upon a time", greedy(STORIES_260K, 30));
        }
        assertThat(answer.get("object").asText()).isEqualTo("text_completion");
        assertThat(answer.get("id").asText()).startsWith("cmpl-");
        assertThat(answer.get("model").asText()).isEqualTo(stories);
        assertThat(answer.at("/choices/0/text").asText()).isEqualTo(expected.text());
        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(30);
        assertThat(answer.at("/usage/total_tokens").asInt()).isEqualTo(35);
    }

    @Test
    void shouldAnswerChatAsGeneratorChatWhenGreedy() throws Exception {
        JsonNode answer =
                ok(
                        "/v1/chat/completions",
                        body(
                                "model",
                                stories,
                                "messages",
                                user("Tell me a story"),
                                "max_completion_tokens",
                                20,
                                "temperature",
                                0));

        GenerationResult expected;
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(STORIES_260K)) {
            LlamaForCausalLM model = HfModelLoader.load(STORIES_260K, manager);
            expected =
                    new Generator(model, tokenizer)
                            .chat(
                                    List.of(ChatMessage.user("Tell me a story")),
                                    greedy(STORIES_260K, 20));
        }
        assertThat(answer.get("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo(expected.text());
    }

    @Test
    void shouldStreamChunksWithRoleFirstFinishLastUsageAndDoneWhenStreaming() {
        Map<String, Object> request =
                body(
                        "model",
                        stories,
                        "messages",
                        user("Tell me a story"),
                        "max_tokens",
                        25,
                        "temperature",
                        0);
        String whole =
                ok("/v1/chat/completions", request).at("/choices/0/message/content").asText();
        request.put("stream", true);
        request.put("stream_options", Map.of("include_usage", true));

        String stream =
                post("/v1/chat/completions", request)
                        .then()
                        .statusCode(200)
                        .contentType("text/event-stream")
                        .extract()
                        .asString();

        List<String> data = JobTestSupport.sseData(stream);
        assertThat(data).last().isEqualTo("[DONE]");
        List<JsonNode> chunks =
                data.subList(0, data.size() - 1).stream().map(CompletionsIT::parse).toList();
        assertThat(chunks)
                .extracting(c -> c.get("id").asText())
                .containsOnly(chunks.get(0).get("id").asText());
        assertThat(chunks)
                .allSatisfy(
                        c ->
                                assertThat(c.get("object").asText())
                                        .isEqualTo("chat.completion.chunk"));
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(25);
        JsonNode last = chunks.get(chunks.size() - 2);
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.at("/choices/0/delta/content").asText("")));
        assertThat(text.toString()).isEqualTo(whole);
    }

    @Test
    void shouldStreamTextCompletionsOnAnnealNano() {
        String stream =
                post(
                                "/v1/completions",
                                body(
                                        "model",
                                        "anneal-nano",
                                        "prompt",
                                        "Hello",
                                        "max_tokens",
                                        8,
                                        "stream",
                                        true,
                                        "n",
                                        2,
                                        "seed",
                                        5))
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString();
        List<String> data = JobTestSupport.sseData(stream);
        assertThat(data).last().isEqualTo("[DONE]");
        List<JsonNode> finishes = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode chunk = parse(d);
            assertThat(chunk.get("object").asText()).isEqualTo("text_completion");
            if (!chunk.at("/choices/0/finish_reason").isNull()) {
                finishes.add(chunk.at("/choices/0"));
            }
        }
        assertThat(finishes)
                .extracting(c -> c.get("index").asInt())
                .containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void shouldGiveNChoicesReproducibleBySeedWhenSampling() {
        Map<String, Object> request =
                body(
                        "model",
                        "anneal-nano",
                        "messages",
                        user("Hi"),
                        "max_tokens",
                        12,
                        "n",
                        3,
                        "seed",
                        42,
                        "temperature",
                        1.5);
        JsonNode first = ok("/v1/chat/completions", request);
        JsonNode second = ok("/v1/chat/completions", request);

        assertThat(first.get("choices")).hasSize(3);
        assertThat(first.get("choices"))
                .extracting(c -> c.get("index").asInt())
                .containsExactly(0, 1, 2);
        assertThat(first.get("choices").toString()).isEqualTo(second.get("choices").toString());
    }

    @Test
    void shouldAnswerValidJsonWhenResponseFormatIsJsonObject() {
        JsonNode answer =
                ok(
                        "/v1/chat/completions",
                        body(
                                "model",
                                "anneal-nano",
                                "messages",
                                user("Describe yourself as JSON."),
                                "max_tokens",
                                48,
                                "n",
                                4,
                                "seed",
                                7,
                                "temperature",
                                1.0,
                                "response_format",
                                Map.of("type", "json_object")));

        for (JsonNode choice : answer.get("choices")) {
            JsonNode json = parse(choice.at("/message/content").asText());
            assertThat(json.isObject()).as(choice.toString()).isTrue();
        }
    }

    @Test
    void shouldAnswerJsonThatValidatesWhenResponseFormatIsJsonSchema() {
        Map<String, Object> schema =
                Map.of(
                        "type",
                        "object",
                        "properties",
                        Map.of(
                                "name",
                                Map.of("type", "string"),
                                "age",
                                Map.of("type", "integer"),
                                "mood",
                                Map.of("enum", List.of("calm", "busy"))),
                        "required",
                        List.of("name", "age", "mood"),
                        "additionalProperties",
                        false);
        JsonNode answer =
                ok(
                        "/v1/chat/completions",
                        body(
                                "model",
                                "anneal-nano",
                                "messages",
                                user("Who are you?"),
                                "max_tokens",
                                64,
                                "n",
                                4,
                                "seed",
                                11,
                                "temperature",
                                1.0,
                                "response_format",
                                Map.of(
                                        "type",
                                        "json_schema",
                                        "json_schema",
                                        Map.of("name", "person", "schema", schema))));

        for (JsonNode choice : answer.get("choices")) {
            JsonNode json = parse(choice.at("/message/content").asText());
            assertThat(json.get("name").isTextual()).as(json.toString()).isTrue();
            assertThat(json.get("age").isIntegralNumber()).as(json.toString()).isTrue();
            assertThat(json.get("mood").asText()).isIn("calm", "busy");
            assertThat(json.size()).isEqualTo(3);
        }
    }

    @Test
    void shouldCutAnswerBeforeStopStringWhenItIsGenerated() {
        Map<String, Object> request =
                body(
                        "model",
                        stories,
                        "prompt",
                        "Once upon a time",
                        "max_tokens",
                        40,
                        "temperature",
                        0);
        String whole = ok("/v1/completions", request).at("/choices/0/text").asText();
        String stop = whole.substring(12, 16);
        request.put("stop", List.of(stop));

        JsonNode cut = ok("/v1/completions", request);

        assertThat(cut.at("/choices/0/text").asText())
                .isEqualTo(whole.substring(0, whole.indexOf(stop)));
        assertThat(cut.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void shouldRefuseBadParametersNamingThem() {
        assertError(
                post(
                        "/v1/chat/completions",
                        body("model", stories, "messages", user("x"), "temperature", 3)),
                400,
                "temperature",
                "invalid_value");
        assertError(
                post("/v1/chat/completions", body("model", stories, "messages", user("x"), "n", 9)),
                400,
                "n",
                "invalid_value");
        assertError(
                post(
                        "/v1/chat/completions",
                        body(
                                "model",
                                stories,
                                "messages",
                                user("x"),
                                "tools",
                                List.of(Map.of("type", "function")))),
                400,
                "tools",
                "unsupported_parameter");
        assertError(
                post(
                        "/v1/chat/completions",
                        body(
                                "model",
                                stories,
                                "messages",
                                user("x"),
                                "stop",
                                List.of("a", "b", "c", "d", "e"))),
                400,
                "stop",
                "invalid_value");
        assertError(
                post(
                        "/v1/chat/completions",
                        body(
                                "model",
                                stories,
                                "messages",
                                List.of(
                                        Map.of(
                                                "role",
                                                "user",
                                                "content",
                                                List.of(Map.of("type", "image_url")))))),
                400,
                "messages[0].content[0].type",
                "unsupported_parameter");
        assertError(
                post(
                        "/v1/chat/completions",
                        body(
                                "model",
                                stories,
                                "messages",
                                user("x"),
                                "response_format",
                                Map.of(
                                        "type",
                                        "json_schema",
                                        "json_schema",
                                        Map.of(
                                                "name",
                                                "s",
                                                "schema",
                                                Map.of(
                                                        "type",
                                                        "object",
                                                        "properties",
                                                        Map.of(
                                                                "code",
                                                                Map.of(
                                                                        "type", "string", "pattern",
                                                                        "[A-Z]+"))))))),
                400,
                "response_format.json_schema.schema.properties.code.pattern",
                "invalid_value");
        assertError(
                post(
                        "/v1/chat/completions",
                        body("model", stories, "messages", user("x"), "top_logprobs", 2)),
                400,
                "top_logprobs",
                "invalid_value");
        assertError(
                post(
                        "/v1/chat/completions",
                        body(
                                "model",
                                stories,
                                "messages",
                                user("x"),
                                "logprobs",
                                true,
                                "top_logprobs",
                                21)),
                400,
                "top_logprobs",
                "invalid_value");
        assertError(
                post("/v1/completions", body("model", stories, "prompt", "x", "logprobs", 6)),
                400,
                "logprobs",
                "invalid_value");
        // fields OpenAI's clients send that change nothing
        post(
                        "/v1/chat/completions",
                        body(
                                "model",
                                stories,
                                "messages",
                                user("x"),
                                "max_tokens",
                                2,
                                "store",
                                false,
                                "metadata",
                                Map.of("a", "b"),
                                "parallel_tool_calls",
                                true,
                                "user",
                                "someone"))
                .then()
                .statusCode(200);
    }

    @Test
    void shouldGiveChatLogprobsWithGreedyTokenFirstWhenTopLogprobsIsThree() {
        JsonNode answer =
                ok(
                        "/v1/chat/completions",
                        body(
                                "model",
                                stories,
                                "messages",
                                user("Tell me a story"),
                                "max_tokens",
                                12,
                                "temperature",
                                0,
                                "logprobs",
                                true,
                                "top_logprobs",
                                3));

        JsonNode content = answer.at("/choices/0/logprobs/content");
        assertThat(content.size()).isEqualTo(answer.at("/usage/completion_tokens").asInt());
        assertGreedyChatTokens(content, 3);
        StringBuilder text = new StringBuilder();
        content.forEach(t -> text.append(t.get("token").asText()));
        assertThat(text.toString()).startsWith(answer.at("/choices/0/message/content").asText());
    }

    @Test
    void shouldGiveLogprobsPerDeltaWhenStreamingChat() {
        Map<String, Object> request =
                body(
                        "model",
                        stories,
                        "messages",
                        user("Tell me a story"),
                        "max_tokens",
                        15,
                        "temperature",
                        0,
                        "logprobs",
                        true,
                        "top_logprobs",
                        2,
                        "stream",
                        true,
                        "stream_options",
                        Map.of("include_usage", true));

        String stream =
                post("/v1/chat/completions", request).then().statusCode(200).extract().asString();

        List<String> data = JobTestSupport.sseData(stream);
        List<JsonNode> chunks =
                data.subList(0, data.size() - 1).stream().map(CompletionsIT::parse).toList();
        List<JsonNode> content = new ArrayList<>();
        for (JsonNode chunk : chunks.subList(1, chunks.size() - 1)) {
            JsonNode entries = chunk.at("/choices/0/logprobs/content");
            assertThat(entries.isArray()).as("chunk %s", chunk).isTrue();
            entries.forEach(content::add);
            if (!chunk.at("/choices/0/delta/content").asText("").isEmpty()) {
                assertThat(entries.size()).isPositive();
            }
        }
        int completionTokens = chunks.get(chunks.size() - 1).at("/usage/completion_tokens").asInt();
        assertThat(content).hasSize(completionTokens);
        assertGreedyChatTokens(JSON.valueToTree(content), 2);
    }

    @Test
    void shouldGiveTextCompletionLogprobsInLegacyShapeWhenLogprobsIsTwo() {
        String prompt = "Once upon a time";
        JsonNode answer =
                ok(
                        "/v1/completions",
                        body(
                                "model",
                                stories,
                                "prompt",
                                prompt,
                                "max_tokens",
                                10,
                                "temperature",
                                0,
                                "logprobs",
                                2));

        JsonNode logprobs = answer.at("/choices/0/logprobs");
        int completionTokens = answer.at("/usage/completion_tokens").asInt();
        assertThat(logprobs.get("tokens")).hasSize(completionTokens);
        assertThat(logprobs.get("token_logprobs")).hasSize(completionTokens);
        assertThat(logprobs.get("top_logprobs")).hasSize(completionTokens);
        assertThat(logprobs.get("text_offset")).hasSize(completionTokens);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < completionTokens; i++) {
            String token = logprobs.at("/tokens/" + i).asText();
            double logprob = logprobs.at("/token_logprobs/" + i).asDouble();
            JsonNode top = logprobs.at("/top_logprobs/" + i);
            assertThat(logprob).isLessThanOrEqualTo(0);
            assertThat(top.size()).isBetween(1, 2);
            String best = top.fieldNames().next();
            assertThat(best).isEqualTo(token);
            assertThat(top.get(best).asDouble()).isEqualTo(logprob);
            assertThat(logprobs.at("/text_offset/" + i).asInt())
                    .isEqualTo(prompt.length() + text.length());
            text.append(token);
        }
        assertThat(text.toString()).startsWith(answer.at("/choices/0/text").asText());
    }

    /** Each greedy token is its step's most likely one, with k alternatives in order. */
    private static void assertGreedyChatTokens(JsonNode content, int k) {
        assertThat(content.size()).isPositive();
        for (JsonNode token : content) {
            double logprob = token.get("logprob").asDouble();
            assertThat(logprob).isLessThanOrEqualTo(0);
            assertThat(token.get("bytes").size())
                    .isEqualTo(token.get("token").asText().getBytes(StandardCharsets.UTF_8).length);
            JsonNode top = token.get("top_logprobs");
            assertThat(top).hasSize(k);
            assertThat(top.get(0).get("token").asText()).isEqualTo(token.get("token").asText());
            assertThat(top.get(0).get("logprob").asDouble()).isEqualTo(logprob);
            for (int i = 1; i < k; i++) {
                assertThat(top.get(i).get("logprob").asDouble())
                        .isLessThanOrEqualTo(top.get(i - 1).get("logprob").asDouble());
            }
        }
    }

    @Test
    void shouldRefusePromptLongerThanContextAndClipMaxTokens() {
        String longPrompt = "Once upon a time ".repeat(200);
        assertError(
                post("/v1/completions", body("model", stories, "prompt", longPrompt)),
                400,
                "prompt",
                "context_length_exceeded");

        JsonNode clipped =
                ok(
                        "/v1/completions",
                        body(
                                "model",
                                stories,
                                "prompt",
                                "Once upon a time ".repeat(120).strip(),
                                "max_tokens",
                                100000,
                                "temperature",
                                0));
        assertThat(clipped.at("/usage/total_tokens").asInt()).isLessThanOrEqualTo(512);
    }

    @Test
    void shouldAnswerModelNotFoundForUnknownModelAndAnotherTenantsModel() throws Exception {
        assertError(
                post("/v1/chat/completions", body("model", "no-such-model", "messages", user("x"))),
                404,
                "model",
                "model_not_found");

        String adapterModel = othersLora;
        Response other =
                post("/v1/chat/completions", body("model", adapterModel, "messages", user("x")));
        assertError(other, 404, "model", "model_not_found");
        assertThat(parse(other.asString()).at("/error/message").asText()).contains(adapterModel);
    }

    @Test
    void shouldAnswerThroughLoraTrainedByJobsApiAsGeneratorWithItsAdapter() throws Exception {
        String owner = key;
        String adapterModel = ownLora;

        JsonNode answer =
                ok(
                        "/v1/chat/completions",
                        body(
                                "model",
                                adapterModel,
                                "messages",
                                user("Tell me about Lily."),
                                "max_tokens",
                                16,
                                "temperature",
                                0));

        byte[] zip =
                as(owner)
                        .get("/v1/models/" + adapterModel + "/content")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        Path adapter = scratch.resolve("adapter-" + UUID.randomUUID());
        Files.createDirectories(adapter);
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                Files.write(
                        adapter.resolve(e.getName().substring("adapter/".length())),
                        in.readAllBytes());
            }
        }
        GenerationResult expected;
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(STORIES_260K)) {
            LlamaForCausalLM model = PeftAdapter.loadModel(STORIES_260K, adapter, manager);
            expected =
                    new Generator(model, tokenizer)
                            .chat(
                                    List.of(ChatMessage.user("Tell me about Lily.")),
                                    greedy(STORIES_260K, 16));
        }
        assertThat(answer.get("model").asText()).isEqualTo(adapterModel);
        assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo(expected.text());
    }

    private static void assertError(Response response, int status, String param, String code) {
        JsonNode body = parse(response.then().statusCode(status).extract().asString());
        assertThat(body.at("/error/param").asText()).isEqualTo(param);
        assertThat(body.at("/error/code").asText()).isEqualTo(code);
        assertThat(body.at("/error/message").asText()).isNotBlank();
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }
}
