package dev.anneal.server.limits;

import static dev.anneal.server.TestApi.newTenantKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Bodies sent without a declared length (chunked) are held to their route's limit on the bytes
 * read: the server answers 413 and stops reading, instead of buffering whatever the client sends.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class BodyLimitsIT {

    private static final long MIB = 1024 * 1024;

    /** Socket buffers and HTTP/2 windows on both sides may hold MiBs the server never reads. */
    private static final long SLACK = 16 * MIB;

    private HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldStopReadingAndAnswer413WhenChunkedJsonBodyPassesItsRouteLimit() throws Exception {
        String key = newTenantKey();
        for (HttpClient.Version version : HttpClient.Version.values()) {
            http = HttpClient.newBuilder().version(version).build();
            for (String path :
                    new String[] {"/v1/fine_tuning/jobs", "/v1/chat/completions", "/v1/feedback"}) {
                long limit = path.equals("/v1/feedback") ? 16 * MIB : MIB;
                Sent sent = sendChunked(path, key, limit + 64 * MIB);

                assertThat(sent.status).as(version + " " + path).isIn(413, -1);
                assertThat(sent.bytesPulled.get()).as(path).isLessThan(limit + SLACK);
            }
        }
        HttpResponse<String> after =
                http.send(
                        request("/v1/files", key).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldReadChunkedFeedbackBatchBeyondTheJsonLimitWithinItsOwn() throws Exception {
        Sent sent = sendChunked("/v1/feedback", newTenantKey(), 2 * MIB);

        assertThat(sent.status).isEqualTo(400);
    }

    /** Posts {@code size} bytes of a JSON object with one long string, without a Content-Length. */
    private Sent sendChunked(String path, String key, long size) throws InterruptedException {
        Sent sent = new Sent();
        InputStream body = new LongString(size, sent.bytesPulled);
        try {
            HttpResponse<String> response =
                    http.send(
                            request(path, key)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            sent.status = response.statusCode();
        } catch (IOException closedWhileSending) {
            // the server may close the connection before the client reads its answer
            sent.status = -1;
        }
        return sent;
    }

    private HttpRequest.Builder request(String path, String key) {
        return HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(60));
    }

    private static final class Sent {
        final AtomicLong bytesPulled = new AtomicLong();
        int status;
    }

    /**
     * {@code {"model":"aaa…"}}: valid JSON of any size, generated as it is read, that a parser must
     * read to its end (a string value) before it can refuse it.
     */
    private static final class LongString extends InputStream {

        private static final byte[] HEAD = "{\"model\":\"".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);

        private final long size;
        private final AtomicLong position;

        LongString(long size, AtomicLong position) {
            this.size = size;
            this.position = position;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            long at = position.get();
            if (at >= size) {
                return -1;
            }
            int count = (int) Math.min(length, size - at);
            for (int i = 0; i < count; i++) {
                long index = at + i;
                byte b = 'a';
                if (index < HEAD.length) {
                    b = HEAD[(int) index];
                } else if (index >= size - TAIL.length) {
                    b = TAIL[(int) (index - (size - TAIL.length))];
                }
                buffer[offset + i] = b;
            }
            position.addAndGet(count);
            return count;
        }
    }
}
