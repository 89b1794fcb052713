package dev.anneal.server.serving;

import static dev.anneal.server.serving.ServingTestSupport.ENDLESS_CONTEXT;
import static dev.anneal.server.serving.ServingTestSupport.awaitScheduler;
import static dev.anneal.server.serving.ServingTestSupport.greedyChat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.server.jobs.JobTestSupport;
import dev.anneal.serving.ServingEngine;
import dev.anneal.serving.scheduler.SchedulerStats;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure through HTTP: while one long stream fills a model's KV-cache budget, one more
 * request waits for room and every request beyond that is refused at once with 429, a {@code
 * Retry-After} header and OpenAI's error shape, streaming or not; the waiting one completes once
 * the room is free.
 */
@QuarkusTest
@TestProfile(SmallServingBudget.class)
@WithTestResource(AnnealTestResources.class)
class ServingOverloadIT {

    private static final int BURST = 6;
    private static final int FOLLOWER_TOKENS = 32;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TestHTTPResource("/")
    URI base;

    @Inject ServingEngine engine;

    @TempDir Path scratch;

    @Test
    void shouldAnswer429WithRetryAfterBeyondTheQueueAndCompleteTheWaitingRequestWhenBudgetIsFull()
            throws Exception {
        String key = TestApi.newTenantKey();
        String model =
                ServingTestSupport.registerBaseModel(
                        "endless", ServingTestSupport.endlessStories(scratch.resolve("endless")));
        CompletionClient client = new CompletionClient(base);
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        try (CompletionClient.OpenStream holder =
                client.openStream(
                        key,
                        "/v1/chat/completions",
                        greedyChat(model, "Tell me a story", ENDLESS_CONTEXT, true))) {
            assertThat(holder.status()).contains(" 200 ");
            holder.readEvents(2);
            awaitScheduler(engine, model, s -> s.running() == 1, Duration.ofSeconds(5));

            for (int i = 0; i < BURST; i++) {
                burst.add(
                        client.post(
                                key,
                                "/v1/chat/completions",
                                greedyChat(model, "Tell me a story", FOLLOWER_TOKENS, i % 2 == 0),
                                WAIT));
            }
            // the refusals come at once, while the holder still runs and one request waits
            awaitDone(burst, BURST - 1, Duration.ofSeconds(20));
            assertThat(engine.schedulerStats().get(model))
                    .isEqualTo(new SchedulerStats(1, 1, ENDLESS_CONTEXT));
        } // the holder goes away: the waiting request gets its room, once its sequence ends

        List<HttpResponse<String>> refused = new ArrayList<>();
        List<HttpResponse<String>> answered = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : burst) {
            HttpResponse<String> done = response.get();
            (done.statusCode() == 429 ? refused : answered).add(done);
        }
        assertThat(refused).hasSize(BURST - 1);
        for (HttpResponse<String> response : refused) {
            assertThat(response.headers().firstValue("Retry-After"))
                    .hasValueSatisfying(
                            seconds -> assertThat(Integer.parseInt(seconds)).isPositive());
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
            JsonNode error = JobTestSupport.parse(response.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("server_overloaded");
            assertThat(error.get("type").asText()).isEqualTo("server_error");
            assertThat(error.get("param").isNull()).isTrue();
            assertThat(error.get("message").asText()).contains(model);
        }
        assertThat(answered).hasSize(1);
        assertCompleted(answered.get(0));
        awaitScheduler(engine, model, s -> s.running() == 0, Duration.ofSeconds(5));
    }

    /** Waits until at least {@code count} of the responses came. */
    private static void awaitDone(
            List<CompletableFuture<HttpResponse<String>>> responses, int count, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (responses.stream().filter(CompletableFuture::isDone).count() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Fewer than " + count + " answers after " + within);
            }
            Thread.sleep(10);
        }
    }

    /** A whole answer of {@link #FOLLOWER_TOKENS} tokens, streamed or not. */
    private static void assertCompleted(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        if (response.body().startsWith("data: ")) {
            List<String> data = JobTestSupport.sseData(response.body());
            assertThat(data).last().isEqualTo("[DONE]");
            List<JsonNode> chunks = CompletionClient.chunks(data);
            assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText())
                    .isEqualTo("length");
        } else {
            JsonNode completion = JobTestSupport.parse(response.body());
            assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("length");
            assertThat(completion.at("/usage/completion_tokens").asInt())
                    .isEqualTo(FOLLOWER_TOKENS);
        }
    }
}
