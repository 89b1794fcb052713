package dev.anneal.server.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving routes as OpenAI's official Node client ({@code openai} on npm, the version pinned in
 * {@code src/test/node/package.json}) sees them: chat, streaming with usage, n and seed, a JSON
 * schema answer, a text completion, the error classes and the model list. The client runs in {@code
 * src/test/node/openai-client.mjs}, which prints one JSON object; this test asserts on it.
 *
 * <p>The package is installed before the build ({@code npm ci} in {@code src/test/node}, which
 * {@code .ci/run} does), never at test time: without it the test is skipped, and fails in CI.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class OpenAiClientIT {

    private static final Path NODE_PROJECT =
            Path.of("src", "test", "node").toAbsolutePath().normalize();
    private static final long TIMEOUT_SECONDS = 180;

    @TempDir static Path scratch;

    @Test
    void shouldServeOpenAiNodeClientWhenItCallsEveryServingRoute() throws Exception {
        requireOpenAiPackage();

        JsonNode result = runClient(TestApi.newTenantKey());

        JsonNode chat = result.get("chat");
        assertThat(chat.get("object").asText()).isEqualTo("chat.completion");
        assertThat(chat.get("model").asText()).isEqualTo("anneal-nano");
        assertThat(chat.get("role").asText()).isEqualTo("assistant");
        assertThat(chat.get("content").isTextual()).isTrue();
        assertThat(chat.get("completionTokens").asInt()).isBetween(1, 8);

        JsonNode stream = result.get("stream");
        assertThat(stream.get("chunks").asInt()).isGreaterThan(2);
        assertThat(stream.get("role").asText()).isEqualTo("assistant");
        assertThat(stream.get("finishReason").asText()).isIn("stop", "length");
        assertThat(stream.at("/usage/completion_tokens").asInt()).isBetween(1, 10);
        assertThat(stream.at("/usage/total_tokens").asInt())
                .isEqualTo(
                        stream.at("/usage/prompt_tokens").asInt()
                                + stream.at("/usage/completion_tokens").asInt());

        JsonNode seeded = result.get("seeded");
        assertThat(seeded.get("indexes")).extracting(JsonNode::asInt).containsExactly(0, 1);
        assertThat(seeded.get("first")).isEqualTo(seeded.get("second"));

        JsonNode person = result.at("/jsonSchema/parsed");
        assertThat(person.get("name").isTextual()).as(person.toString()).isTrue();
        assertThat(person.get("age").isIntegralNumber()).as(person.toString()).isTrue();
        assertThat(person.size()).isEqualTo(2);

        JsonNode completion = result.get("completion");
        assertThat(completion.get("object").asText()).isEqualTo("text_completion");
        assertThat(completion.get("text").isTextual()).isTrue();
        assertThat(completion.get("completionTokens").asInt()).isBetween(1, 6);

        JsonNode unknown = result.get("unknownModel");
        assertThat(unknown.get("thrown").asText()).isEqualTo("NotFoundError");
        assertThat(unknown.get("notFound").asBoolean()).isTrue();
        assertThat(unknown.get("status").asInt()).isEqualTo(404);
        assertThat(unknown.get("code").asText()).isEqualTo("model_not_found");
        assertThat(unknown.get("param").asText()).isEqualTo("model");

        JsonNode badTemperature = result.get("badTemperature");
        assertThat(badTemperature.get("thrown").asText()).isEqualTo("BadRequestError");
        assertThat(badTemperature.get("badRequest").asBoolean()).isTrue();
        assertThat(badTemperature.get("status").asInt()).isEqualTo(400);
        assertThat(badTemperature.get("param").asText()).isEqualTo("temperature");

        assertThat(result.get("models")).extracting(JsonNode::asText).contains("anneal-nano");
    }

    private static void requireOpenAiPackage() {
        boolean installed = Files.isDirectory(NODE_PROJECT.resolve("node_modules/openai"));
        String missing =
                "needs the openai npm package in "
                        + NODE_PROJECT
                        + "/node_modules: run `npm ci --no-audit --no-fund` there; .ci/run does";
        if (System.getenv("CI") != null) {
            assertThat(installed).as(missing).isTrue(); // in CI a missing client is a failure
        }
        assumeTrue(installed, missing);
    }

    /** Runs the client script against this test's server; returns the JSON it printed. */
    private static JsonNode runClient(String key) throws Exception {
        // output to files rather than pipes: a full pipe nobody reads would stall node
        Path out = Files.createTempFile(scratch, "openai-client", ".out");
        Path err = Files.createTempFile(scratch, "openai-client", ".err");
        ProcessBuilder builder =
                new ProcessBuilder("node", "openai-client.mjs")
                        .directory(NODE_PROJECT.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
        builder.environment()
                .put("ANNEAL_BASE_URL", "http://localhost:" + RestAssured.port + "/v1");
        builder.environment().put("ANNEAL_API_KEY", key);
        Process node = builder.start();
        if (!node.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor();
            throw new AssertionError(
                    "node ran over " + TIMEOUT_SECONDS + " s: " + Files.readString(err));
        }
        String printed = Files.readString(out);
        assertThat(node.exitValue())
                .as("node failed: %s%s", Files.readString(err), printed)
                .isZero();
        return new ObjectMapper().readTree(printed);
    }
}
