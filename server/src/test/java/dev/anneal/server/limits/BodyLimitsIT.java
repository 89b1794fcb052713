package dev.anneal.server.limits;

import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.limits.ChunkedBody.MIB;
import static dev.anneal.server.limits.ChunkedBody.SLACK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

/**
 * Bodies sent without a declared length (chunked) are held to their route's limit on the bytes
 * read: the server answers 413 and stops reading, instead of buffering whatever the client sends.
 * Over HTTP/1.1 and HTTP/2; {@code HostileClientsIT} sends 2 GiB to every JSON route.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class BodyLimitsIT {

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldStopReadingAndAnswer413WhenChunkedJsonBodyPassesItsRouteLimit() throws Exception {
        String key = newTenantKey();
        for (HttpClient.Version version : HttpClient.Version.values()) {
            HttpClient http = HttpClient.newBuilder().version(version).build();
            for (String path :
                    new String[] {"/v1/fine_tuning/jobs", "/v1/chat/completions", "/v1/feedback"}) {
                long limit = path.equals("/v1/feedback") ? 16 * MIB : MIB;
                ChunkedBody.Sent sent = ChunkedBody.post(http, base, path, key, limit + 64 * MIB);

                assertThat(sent.status()).as(version + " " + path).isIn(413, -1);
                assertThat(sent.bytesPulled()).as(path).isLessThan(limit + SLACK);
            }
        }
    }

    @Test
    void shouldReadChunkedFeedbackBatchBeyondTheJsonLimitWithinItsOwn() throws Exception {
        ChunkedBody.Sent sent =
                ChunkedBody.post(
                        HttpClient.newHttpClient(), base, "/v1/feedback", newTenantKey(), 2 * MIB);

        assertThat(sent.status()).isEqualTo(400);
    }
}
