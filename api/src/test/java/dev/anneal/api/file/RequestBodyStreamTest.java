package dev.anneal.api.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.api.error.ApiException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestBodyStream} on a real Vert.x HTTP server and raw client sockets: each request's
 * body is read on a worker thread, as a resource method reads it, and what the read gave (the
 * bytes, or the exception) is handed to the test.
 */
class RequestBodyStreamTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static Vertx vertx;
    private static HttpServer server;
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool();

    /** The outcome of the current request's read: its bytes, or why it failed. */
    private static volatile CompletableFuture<byte[]> body;

    private static volatile long limit;

    /** Whether the reader sleeps a millisecond before each read, to fall behind the client. */
    private static volatile boolean slowReader;

    @BeforeAll
    static void startServer() throws Exception {
        vertx = Vertx.vertx();
        server =
                vertx.createHttpServer()
                        .requestHandler(RequestBodyStreamTest::handle)
                        .listen(0, "127.0.0.1")
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopServer() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        WORKERS.shutdownNow();
    }

    @BeforeEach
    void newRequest() {
        body = new CompletableFuture<>();
        limit = 0;
        slowReader = false;
    }

    /** As a blocking resource method: paused on the event loop, read on a worker thread. */
    private static void handle(HttpServerRequest request) {
        request.pause();
        CompletableFuture<byte[]> outcome = body;
        long max = limit;
        boolean slow = slowReader;
        WORKERS.execute(
                () -> {
                    try (InputStream in = new RequestBodyStream(request, max, TIMEOUT)) {
                        byte[] bytes = readOddly(in, slow);
                        outcome.complete(bytes);
                        request.response().end("read " + bytes.length);
                    } catch (Exception e) {
                        outcome.completeExceptionally(e);
                        request.response().setStatusCode(500).end();
                    }
                });
    }

    /** Reads with every kind of call: one byte, small arrays, large ones. */
    private static byte[] readOddly(InputStream in, boolean slow)
            throws IOException, InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[100_000];
        for (int i = 0; ; i++) {
            if (slow) {
                Thread.sleep(1);
            }
            if (i % 3 == 0) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                out.write(b);
            } else {
                int n = in.read(buffer, 7, i % 3 == 1 ? 13 : buffer.length - 7);
                if (n < 0) {
                    break;
                }
                out.write(buffer, 7, n);
            }
        }
        return out.toByteArray();
    }

    @Test
    void shouldReadEveryByteSentWithADeclaredLength() throws Exception {
        for (int size : new int[] {0, 1, 65_535, 65_537, 9 * 1024 * 1024 + 3}) {
            newRequest();
            byte[] sent = random(size);
            try (Socket socket = connect()) {
                send(socket, head("Content-Length: " + size), sent);

                assertThat(body.get(30, TimeUnit.SECONDS)).as("%d bytes", size).isEqualTo(sent);
                assertThat(statusLine(socket)).contains("200");
            }
        }
    }

    @Test
    void shouldReadEveryByteOverHttp2EvenWhenTheBodyEndsBeforeTheReaderIsDone() throws Exception {
        slowReader = true;
        byte[] sent = random(2 * 1024 * 1024 + 5);
        HttpClient client =
                vertx.createHttpClient(
                        new HttpClientOptions()
                                .setProtocolVersion(HttpVersion.HTTP_2)
                                .setHttp2ClearTextUpgrade(false));
        try {
            String answer =
                    client.request(HttpMethod.POST, server.actualPort(), "127.0.0.1", "/upload")
                            .compose(
                                    request ->
                                            request.send(Buffer.buffer(sent))
                                                    .compose(HttpClientResponse::body))
                            .toCompletionStage()
                            .toCompletableFuture()
                            .get(30, TimeUnit.SECONDS)
                            .toString();

            assertThat(body.get(30, TimeUnit.SECONDS)).isEqualTo(sent);
            assertThat(answer).isEqualTo("read " + sent.length);
        } finally {
            client.close();
        }
    }

    @Test
    void shouldReadEveryByteOfAChunkedBody() throws Exception {
        byte[] sent = random(3 * 1024 * 1024 + 11);
        try (Socket socket = connect()) {
            send(socket, head("Transfer-Encoding: chunked"), chunked(sent, 40_000, true));

            assertThat(body.get(30, TimeUnit.SECONDS)).isEqualTo(sent);
        }
    }

    @Test
    void shouldAnswerExpectContinueBeforeTheClientSendsTheBody() throws Exception {
        byte[] sent = random(200_000);
        try (Socket socket = connect()) {
            socket.getOutputStream()
                    .write(head("Content-Length: " + sent.length + "\r\nExpect: 100-continue"));

            assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 100 Continue");
            send(socket, new byte[0], sent);
            assertThat(body.get(30, TimeUnit.SECONDS)).isEqualTo(sent);
        }
    }

    @Test
    void shouldFailAtOnceWhenTheClientLeavesHalfway() throws Exception {
        try (Socket socket = connect()) {
            send(socket, head("Content-Length: 10000000"), random(1_000_000))
                    .get(30, TimeUnit.SECONDS);
            assertThat(body).isNotDone();
        }

        long started = System.nanoTime();
        assertThatThrownBy(() -> body.get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IOException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT);
    }

    @Test
    void shouldFailWhenNothingArrivesForTheTimeout() throws Exception {
        try (Socket socket = connect()) {
            send(socket, head("Content-Length: 1000"), random(10));

            assertThatThrownBy(() -> body.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining("Read timed out");
        }
    }

    @Test
    void shouldRefuseABodyPastItsLimit() throws Exception {
        limit = 500_000;
        try (Socket socket = connect()) {
            send(
                    socket,
                    head("Transfer-Encoding: chunked"),
                    chunked(random(800_000), 100_000, false));

            assertThatThrownBy(() -> body.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ApiException.class)
                    .cause()
                    .hasMessageContaining("larger than 500000 bytes");
        }
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.actualPort());
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static byte[] head(String headers) {
        return ascii("POST /upload HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n\r\n");
    }

    /**
     * Sends on a thread of its own, so that a server that stops reading fails the test (its read
     * times out) instead of blocking it; closing the socket ends the send.
     */
    private static CompletableFuture<Void> send(Socket socket, byte[] head, byte[] body) {
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        OutputStream out = socket.getOutputStream();
                        out.write(head);
                        out.write(body);
                        out.flush();
                    } catch (IOException closed) {
                        // the test ended, or the server closed the connection
                    }
                },
                WORKERS);
    }

    /** {@code bytes} in chunks of {@code size}, with the last chunk if {@code last}. */
    private static byte[] chunked(byte[] bytes, int size, boolean last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < bytes.length; at += size) {
            int n = Math.min(size, bytes.length - at);
            out.writeBytes(ascii(Integer.toHexString(n) + "\r\n"));
            out.write(bytes, at, n);
            out.writeBytes(ascii("\r\n"));
        }
        if (last) {
            out.writeBytes(ascii("0\r\n\r\n"));
        }
        return out.toByteArray();
    }

    private static String statusLine(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString().strip();
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
