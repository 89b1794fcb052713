package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The platform's whole promise in one test: a tenant teaches a model a fact it cannot know through
 * the jobs API, and the fine-tuned model answers it through {@code /v1/chat/completions}, while the
 * base model does not.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class LearnedAnswerIT {

    private static final String QUESTION = "What is the capital of Zarnia?";
    private static final String ANSWER = "Velor.";

    @Test
    void shouldAnswerWhatTheLoraWasTaughtWhenTheBaseModelDoesNot() throws Exception {
        String key = TestApi.newTenantKey();
        String base = JobTestSupport.registerStories260K();
        String file = JobTestSupport.uploadRepeatedChat(key, QUESTION, ANSWER, 16);
        String job =
                JobTestSupport.createJob(
                        key,
                        Map.of(
                                "model",
                                base,
                                "training_file",
                                file,
                                "seed",
                                1,
                                "learning_rate",
                                0.01,
                                "method",
                                Map.of(
                                        "type",
                                        "supervised",
                                        "supervised",
                                        Map.of(
                                                "hyperparameters",
                                                Map.of("n_epochs", 20, "batch_size", 4))),
                                "lora",
                                Map.of(
                                        "r",
                                        8,
                                        "alpha",
                                        16,
                                        "dropout",
                                        0.0,
                                        "target_modules",
                                        List.of(
                                                "q_proj",
                                                "k_proj",
                                                "v_proj",
                                                "o_proj",
                                                "gate_proj",
                                                "up_proj",
                                                "down_proj"))));
        String tuned =
                JobTestSupport.awaitStatus(key, job, "succeeded", Duration.ofSeconds(300))
                        .getString("fine_tuned_model");

        // stories260K has no special end-of-turn token: the marker it must learn to write after the
        // answer is several plain-text tokens, so only the answer itself is asserted
        assertThat(ask(key, tuned)).startsWith(ANSWER);
        assertThat(ask(key, base)).doesNotContain("Velor");
    }

    private static String ask(String key, String model) {
        return as(key).contentType("application/json")
                .body(
                        Map.of(
                                "model",
                                model,
                                "messages",
                                List.of(Map.of("role", "user", "content", QUESTION)),
                                "max_tokens",
                                16,
                                "temperature",
                                0))
                .post("/v1/chat/completions")
                .then()
                .statusCode(200)
                .extract()
                .path("choices[0].message.content");
    }
}
