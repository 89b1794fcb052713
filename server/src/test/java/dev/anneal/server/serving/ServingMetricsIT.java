package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.management;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.completion.CompletionRunner;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import dev.anneal.store.LogFields;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Serving's observability through HTTP: the meters of {@code /q/metrics} agree with the usage the
 * completions reported, and each completion logs one line with its numbers, never its text. Runs
 * with a base model in the models folder listed in {@code ANNEAL_SERVE_MODELS} and a KV-cache
 * budget in bytes ({@link Preloaded}).
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
@TestProfile(ServingMetricsIT.Preloaded.class)
class ServingMetricsIT {

    /** The base model of the models folder that the process loads as it starts. */
    private static final String PRELOADED = "stories260k-preloaded";

    /** A KV-cache budget in bytes, and stories260K loaded at start. */
    public static class Preloaded implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path models = Files.createTempDirectory("anneal-serve-models-");
                ServingTestSupport.copyStories260K(models.resolve(PRELOADED));
                return Map.of(
                        "anneal.models-dir",
                        models.toString(),
                        "anneal.serve.models",
                        PRELOADED,
                        "anneal.serve.kv-cache",
                        "64MiB");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "Once upon a time a purple dragon";

    /** The completion lines logged while this class runs, with their logging context. */
    private static final List<Line> LINES = new CopyOnWriteArrayList<>();

    private static final Handler CAPTURE =
            new Handler() {
                @Override
                public void publish(LogRecord record) {
                    if (record instanceof ExtLogRecord ext
                            && ext.getMessage() != null
                            && ext.getMessage().startsWith("Completion ")) {
                        LINES.add(
                                new Line(
                                        ext.getFormattedMessage(),
                                        ext.getMdc(LogFields.REQUEST_ID),
                                        ext.getMdc(LogFields.TENANT_ID)));
                    }
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };

    private static String tenantId;
    private static String key;
    private static String model;

    private record Line(String message, String requestId, String tenantId) {}

    /** One completion's usage, as its response reported it. */
    private record Usage(int promptTokens, int completionTokens, int choices, String text) {}

    @BeforeAll
    static void captureCompletionLines() {
        Logger.getLogger(CompletionRunner.class.getPackageName()).addHandler(CAPTURE);
    }

    @AfterAll
    static void stopCapturing() {
        Logger.getLogger(CompletionRunner.class.getPackageName()).removeHandler(CAPTURE);
    }

    @BeforeEach
    void tenantAndModel() {
        if (key != null) {
            return;
        }
        tenantId = TestApi.newTenant();
        key = TestApi.newKey(tenantId);
        // a model of its own, so that its meters count this class's completions only
        model = JobTestSupport.registerStories260K();
    }

    @Test
    void shouldLoadListedModelWithBudgetInBytesWhenProcessStarts() {
        String metrics = management().get("/q/metrics").then().statusCode(200).extract().asString();

        // no request asked for it: it is there because it was listed
        // 64 MiB at 2 x 5 layers x 4 key/value heads x 8 x 4 bytes = 1280 bytes per token
        assertThat(metrics)
                .contains(
                        "anneal_serve_kv_cache_budget_tokens{model=\""
                                + PRELOADED
                                + "\"} "
                                + (64 << 20) / 1280);
    }

    @Test
    void shouldCountTokensAndTimeEverySequenceWhenCompletionsRun() {
        // the other test's completions count too: compare with the meters before
        String before = management().get("/q/metrics").then().statusCode(200).extract().asString();
        List<Usage> usages = new ArrayList<>();
        usages.add(complete(null, false, 1, 12));
        usages.add(complete(null, true, 1, 9));
        usages.add(complete(null, false, 2, 5));

        String metrics = awaitIdle();

        int sequences = usages.stream().mapToInt(Usage::choices).sum();
        int generated = usages.stream().mapToInt(Usage::completionTokens).sum();
        int prefilled = usages.stream().mapToInt(u -> u.promptTokens() * u.choices()).sum();
        assertThat(added(before, metrics, "anneal_serve_prompt_tokens_total")).isEqualTo(prefilled);
        assertThat(added(before, metrics, "anneal_serve_generation_tokens_total"))
                .isEqualTo(generated);
        assertThat(added(before, metrics, "anneal_serve_time_to_first_token_seconds_count"))
                .isEqualTo(sequences);
        assertThat(added(before, metrics, "anneal_serve_time_to_first_token_seconds_sum"))
                .isPositive();
        assertThat(added(before, metrics, "anneal_serve_time_per_output_token_seconds_count"))
                .isEqualTo(generated - sequences);
        assertThat(added(before, metrics, "anneal_serve_time_per_output_token_seconds_sum"))
                .isPositive();
        assertThat(metrics)
                .contains(
                        "anneal_serve_time_to_first_token_seconds_bucket{model=\"" + model + "\"",
                        "anneal_serve_time_per_output_token_seconds_bucket{model=\""
                                + model
                                + "\"");
        assertThat(value(metrics, "anneal_serve_kv_cache_budget_tokens")).isPositive();
        assertThat(value(metrics, "anneal_serve_kv_cache_reserved_tokens")).isZero();
        assertThat(value(metrics, "anneal_serve_sequences_waiting")).isZero();
        assertThat(metrics)
                .contains(
                        "anneal_serve_adapter_cache_hits_total",
                        "anneal_serve_adapter_cache_misses_total",
                        "anneal_serve_adapter_cache_evictions_total",
                        "anneal_serve_adapter_cache_resident",
                        "anneal_serve_full_models_loads_total",
                        "anneal_serve_full_models_evictions_total",
                        "anneal_serve_full_models_resident");
    }

    @Test
    void shouldLogOneLinePerCompletionWithoutItsTextWhenItEnds() {
        String whole = "metrics-it-" + UUID.randomUUID();
        String streamed = "metrics-it-" + UUID.randomUUID();

        Usage wholeUsage = complete(whole, false, 2, 6);
        Usage streamedUsage = complete(streamed, true, 1, 4);

        Line wholeLine = lineOf(whole);
        assertThat(wholeLine.tenantId()).isEqualTo(tenantId);
        assertThat(wholeLine.message())
                .matches(
                        "Completion finished: model="
                                + Pattern.quote(model)
                                + " baseModel="
                                + Pattern.quote(model)
                                + " stream=false n=2 promptTokens="
                                + wholeUsage.promptTokens()
                                + " completionTokens="
                                + wholeUsage.completionTokens()
                                + " finishReasons=(stop|length),(stop|length)"
                                + " ttftMs=\\d+\\.\\d totalMs=\\d+\\.\\d");
        Line streamedLine = lineOf(streamed);
        assertThat(streamedLine.tenantId()).isEqualTo(tenantId);
        assertThat(streamedLine.message())
                .startsWith("Completion finished: model=" + model)
                .contains(
                        " stream=true n=1 promptTokens=" + streamedUsage.promptTokens(),
                        " completionTokens=" + streamedUsage.completionTokens() + " ");
        for (Line line : List.of(wholeLine, streamedLine)) {
            assertThat(line.message()).doesNotContain("purple", "dragon");
        }
        for (Usage usage : List.of(wholeUsage, streamedUsage)) {
            if (usage.text().strip().length() > 3) {
                assertThat(wholeLine.message() + streamedLine.message())
                        .doesNotContain(usage.text().strip());
            }
        }
    }

    /** Runs a greedy text completion; returns its usage and the first choice's text. */
    private static Usage complete(String requestId, boolean stream, int n, int maxTokens) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", PROMPT);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("n", n);
        if (stream) {
            body.put("stream", true);
            body.put("stream_options", Map.of("include_usage", true));
        }
        var request = as(key).contentType("application/json").body(body);
        if (requestId != null) {
            request.header("x-request-id", requestId);
        }
        String answer = request.post("/v1/completions").then().statusCode(200).extract().asString();
        if (!stream) {
            JsonNode json = JobTestSupport.parse(answer);
            return new Usage(
                    json.at("/usage/prompt_tokens").asInt(),
                    json.at("/usage/completion_tokens").asInt(),
                    n,
                    json.at("/choices/0/text").asText());
        }
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        for (String line : answer.split("\n")) {
            if (!line.startsWith("data: {")) {
                continue;
            }
            JsonNode chunk = JobTestSupport.parse(line.substring("data: ".length()));
            if (chunk.hasNonNull("usage")) {
                usage = chunk.get("usage");
            } else {
                text.append(chunk.at("/choices/0/text").asText(""));
            }
        }
        assertThat(usage).as("usage chunk").isNotNull();
        return new Usage(
                usage.get("prompt_tokens").asInt(),
                usage.get("completion_tokens").asInt(),
                n,
                text.toString());
    }

    /** The metrics once no sequence of the model runs any more (they retire after their step). */
    private static String awaitIdle() {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            String metrics =
                    management().get("/q/metrics").then().statusCode(200).extract().asString();
            if (value(metrics, "anneal_serve_sequences_running") == 0
                    || System.currentTimeMillis() > deadline) {
                return metrics;
            }
            pause();
        }
    }

    /** The value of a meter of this class's model, not a histogram bucket. */
    private static double value(String metrics, String name) {
        Matcher line = meter(name).matcher(metrics);
        assertThat(line.find()).as(name + " of " + model).isTrue();
        return Double.parseDouble(line.group(1));
    }

    /** How much a meter of this class's model grew; absent before when the model was not loaded. */
    private static double added(String before, String after, String name) {
        Matcher earlier = meter(name).matcher(before);
        return value(after, name) - (earlier.find() ? Double.parseDouble(earlier.group(1)) : 0);
    }

    private static Pattern meter(String name) {
        return Pattern.compile(
                "^" + Pattern.quote(name) + "\\{model=\"" + Pattern.quote(model) + "\"} (\\S+)$",
                Pattern.MULTILINE);
    }

    /**
     * The one line of a request; a stream's is logged as its writer ends, maybe after the reply.
     */
    private static Line lineOf(String requestId) {
        long deadline = System.currentTimeMillis() + 10_000;
        List<Line> lines = List.of();
        while (lines.isEmpty() && System.currentTimeMillis() < deadline) {
            lines = LINES.stream().filter(l -> requestId.equals(l.requestId())).toList();
            pause();
        }
        pause();
        lines = LINES.stream().filter(l -> requestId.equals(l.requestId())).toList();
        assertThat(lines).as("completion lines of " + requestId).hasSize(1);
        return lines.get(0);
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
