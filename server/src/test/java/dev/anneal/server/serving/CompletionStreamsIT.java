package dev.anneal.server.serving;

import static dev.anneal.server.serving.ServingTestSupport.ENDLESS_CONTEXT;
import static dev.anneal.server.serving.ServingTestSupport.awaitScheduler;
import static dev.anneal.server.serving.ServingTestSupport.greedyChat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.serving.ServingEngine;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed completions hold no thread while they wait for tokens: with more streams open than the
 * server has worker threads (200), another tenant is still answered at once, and the streams'
 * sequences leave the scheduler once their clients go away.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class CompletionStreamsIT {

    private static final int STREAMS = 205;

    @TestHTTPResource("/")
    URI base;

    @Inject ServingEngine engine;

    @TempDir Path scratch;

    @Test
    void shouldAnswerAnotherTenantAtOnceWhileMoreStreamsThanThreadsAreOpen() throws Exception {
        String model =
                ServingTestSupport.registerBaseModel(
                        "endless", ServingTestSupport.endlessStories(scratch.resolve("endless")));
        CompletionClient client = new CompletionClient(base);
        List<CompletionClient.OpenStream> open = new ArrayList<>();
        try {
            String key = TestApi.newTenantKey();
            for (int i = 0; i < STREAMS; i++) {
                CompletionClient.OpenStream stream =
                        client.openStream(
                                key,
                                "/v1/chat/completions",
                                greedyChat(model, "Tell me a story " + i, ENDLESS_CONTEXT, true));
                open.add(stream);
                assertThat(stream.status()).contains(" 200 ");
            }
            open.get(STREAMS - 1).readEvents(1);

            String other = TestApi.newTenantKey();
            long start = System.nanoTime();
            TestApi.as(other).get("/v1/models").then().statusCode(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(1));
        } finally {
            for (CompletionClient.OpenStream stream : open) {
                stream.close();
            }
        }
        awaitScheduler(
                engine, model, s -> s.running() == 0 && s.waiting() == 0, Duration.ofSeconds(15));
    }
}
