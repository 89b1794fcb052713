package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import dev.anneal.tuner.checkpoint.HfModelLoader;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full fine-tune served with its own weights: trained through the jobs API, asked through {@code
 * /v1/chat/completions}, answering greedy as the engine's own {@link Generator} does on the weights
 * the tenant downloads; gone from serving once deleted.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class FullFineTuneServingIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path downloaded;

    @Test
    void shouldAnswerAsGeneratorOnDownloadedWeightsWhenServingFullFineTune() throws Exception {
        String key = TestApi.newTenantKey();
        String model = trainFullFineTune(key);
        unzip(
                as(key).get("/v1/models/" + model + "/content")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray(),
                downloaded);

        JsonNode answer = chat(key, model, "Tell me about Lily.", 20);

        GenerationResult expected;
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(downloaded)) {
            LlamaForCausalLM weights = HfModelLoader.load(downloaded, manager);
            GenerationConfig greedy =
                    GenerationConfig.defaultsFrom(downloaded)
                            .optMaxNewTokens(20)
                            .optTemperature(0)
                            .optTopK(0)
                            .optTopP(1)
                            .build();
            expected =
                    new Generator(weights, tokenizer)
                            .chat(List.of(ChatMessage.user("Tell me about Lily.")), greedy);
        }
        assertThat(expected.generatedIds()).isNotEmpty();
        assertThat(answer.get("model").asText()).isEqualTo(model);
        assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo(expected.text());
        assertThat(answer.at("/usage/completion_tokens").asInt())
                .isEqualTo(expected.generatedIds().length);

        // another tenant does not see it; once deleted, it is not answered from memory
        chatRequest(TestApi.newTenantKey(), model, "Tell me about Lily.", 5).then().statusCode(404);
        as(key).delete("/v1/models/" + model).then().statusCode(200);
        chatRequest(key, model, "Tell me about Lily.", 5).then().statusCode(404);
    }

    /** A full fine-tune of the built-in toy on a few chats, run to the end; its model id. */
    private static String trainFullFineTune(String key) throws InterruptedException {
        String file =
                JobTestSupport.uploadRepeatedChat(
                        key, "Tell me about Lily.", "Lily was a little girl.", 8);
        String job =
                JobTestSupport.createNanoJob(
                        key,
                        file,
                        Map.of(
                                "training_type",
                                "full",
                                "learning_rate",
                                0.003,
                                "seed",
                                3,
                                "hyperparameters",
                                Map.of("n_epochs", 2, "batch_size", 2)));
        return JobTestSupport.awaitStatus(key, job, "succeeded", Duration.ofMinutes(2))
                .getString("fine_tuned_model");
    }

    private static Response chatRequest(String key, String model, String prompt, int tokens) {
        return as(key).contentType("application/json")
                .body(
                        Map.of(
                                "model",
                                model,
                                "messages",
                                List.of(Map.of("role", "user", "content", prompt)),
                                "max_completion_tokens",
                                tokens,
                                "temperature",
                                0))
                .post("/v1/chat/completions");
    }

    private static JsonNode chat(String key, String model, String prompt, int tokens)
            throws Exception {
        return JSON.readTree(
                chatRequest(key, model, prompt, tokens)
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
    }

    /** The test's own copy of the downloaded archive, its {@code model/} folder in {@code dir}. */
    private static void unzip(byte[] archive, Path dir) throws Exception {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                if (!entry.isDirectory() && entry.getName().startsWith("model/")) {
                    Path file = dir.resolve(entry.getName().substring("model/".length()));
                    Files.createDirectories(file.getParent());
                    Files.write(file, zip.readAllBytes());
                }
            }
        }
    }
}
