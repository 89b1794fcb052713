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
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streaming client that goes away frees its place: its sequence leaves the scheduler within a
 * moment, long before it would have finished, and the next request, which the KV-cache budget had
 * no room for beside it, is admitted and answered.
 */
@QuarkusTest
@TestProfile(SmallServingBudget.class)
@WithTestResource(AnnealTestResources.class)
class ServingDisconnectIT {

    private static final int FOLLOWER_TOKENS = 16;

    @TestHTTPResource("/")
    URI base;

    @Inject ServingEngine engine;

    @TempDir Path scratch;

    @Test
    void shouldFreeThePlaceAndAdmitTheNextRequestWhenStreamingClientDisconnects() throws Exception {
        String key = TestApi.newTenantKey();
        String model =
                ServingTestSupport.registerBaseModel(
                        "endless", ServingTestSupport.endlessStories(scratch.resolve("endless")));
        CompletionClient client = new CompletionClient(base);
        CompletableFuture<HttpResponse<String>> next;
        try (CompletionClient.OpenStream holder =
                client.openStream(
                        key,
                        "/v1/chat/completions",
                        greedyChat(model, "Tell me a story", ENDLESS_CONTEXT, true))) {
            assertThat(holder.status()).contains(" 200 ");
            holder.readEvents(3);
            awaitScheduler(engine, model, s -> s.running() == 1, Duration.ofSeconds(5));
            next =
                    client.post(
                            key,
                            "/v1/chat/completions",
                            greedyChat(model, "Once upon a time", FOLLOWER_TOKENS, false),
                            Duration.ofSeconds(60));
            awaitScheduler(engine, model, s -> s.waiting() == 1, Duration.ofSeconds(5));
        } // the client goes away without a word

        awaitScheduler(
                engine, model, s -> s.running() <= 1 && s.waiting() == 0, Duration.ofSeconds(2));
        HttpResponse<String> answered = next.get(30, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        JsonNode completion = JobTestSupport.parse(answered.body());
        assertThat(completion.at("/usage/completion_tokens").asInt()).isEqualTo(FOLLOWER_TOKENS);
        awaitScheduler(engine, model, s -> s.running() == 0, Duration.ofSeconds(5));
    }
}
