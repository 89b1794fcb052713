package dev.anneal.server.limits;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JSON body of any size sent without a declared length, generated as the client reads it: {@code
 * {"model":"aaa…"}}, which a parser must read to its end (a string value) before it can refuse it.
 */
final class ChunkedBody {

    static final long MIB = 1024 * 1024;

    /**
     * Socket buffers, the client's own buffers and HTTP/2 windows may hold MiBs the server never
     * reads, more the faster the client pushes.
     */
    static final long SLACK = 32 * MIB;

    /**
     * What a post did.
     *
     * @param status the answer's status; -1 when the server closed the connection first
     * @param bytesPulled how much of the body the client produced before it stopped
     */
    record Sent(int status, long bytesPulled) {}

    private ChunkedBody() {}

    /** Posts {@code size} bytes to {@code path} with {@code key}, as long as the server reads. */
    static Sent post(HttpClient http, URI base, String path, String key, long size)
            throws InterruptedException {
        AtomicLong pulled = new AtomicLong();
        InputStream body = new LongString(size, pulled);
        int status;
        try {
            status =
                    http.send(
                                    HttpRequest.newBuilder(base.resolve(path))
                                            .header("Authorization", "Bearer " + key)
                                            .header("Content-Type", "application/json")
                                            .timeout(Duration.ofSeconds(60))
                                            .POST(
                                                    HttpRequest.BodyPublishers.ofInputStream(
                                                            () -> body))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode();
        } catch (IOException closedWhileSending) {
            status = -1; // the server may close the connection before the client reads its answer
        }
        return new Sent(status, pulled.get());
    }

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
