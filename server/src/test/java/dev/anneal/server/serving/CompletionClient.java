package dev.anneal.server.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.server.jobs.JobTestSupport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The completion routes through a plain JDK HTTP client, so that a test can send many requests at
 * once and read their server-sent events as they come; and through a bare socket, so that it can
 * drop a stream mid-way as a client that goes away does.
 *
 * <p>Thread-safe: the JDK client sends concurrent requests on connections of their own.
 */
final class CompletionClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();

    /**
     * @param base the application's root, such as {@code http://localhost:8081/}
     */
    CompletionClient(URI base) {
        this.base = base;
    }

    /** Posts a JSON body; the response's body is read whole, a stream until its end. */
    CompletableFuture<HttpResponse<String>> post(
            String key, String route, Map<String, ?> body, Duration timeout) {
        HttpRequest request =
                HttpRequest.newBuilder(base.resolve(route))
                        .timeout(timeout)
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json(body)))
                        .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The chunks of a finished stream, its {@code [DONE]} left out. */
    static List<JsonNode> chunks(List<String> data) {
        return data.stream().filter(d -> !d.equals("[DONE]")).map(JobTestSupport::parse).toList();
    }

    /** A chat stream's answer: the contents of its chunks' deltas, joined. */
    static String chatContent(List<JsonNode> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.at("/choices/0/delta/content").asText("")));
        return text.toString();
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens a streaming completion on a socket of its own and reads its head.
     *
     * @return the open stream, its status read
     */
    OpenStream openStream(String key, String route, Map<String, ?> body) throws IOException {
        byte[] content = json(body).getBytes(StandardCharsets.UTF_8);
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(
                ("POST "
                                + base.resolve(route).getPath()
                                + " HTTP/1.1\r\nHost: "
                                + base.getHost()
                                + ":"
                                + base.getPort()
                                + "\r\nAuthorization: Bearer "
                                + key
                                + "\r\nContent-Type: application/json\r\nContent-Length: "
                                + content.length
                                + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        out.write(content);
        out.flush();
        BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String status = in.readLine();
        for (String header = in.readLine();
                header != null && !header.isEmpty();
                header = in.readLine()) {
            // the headers say nothing the tests need
        }
        return new OpenStream(socket, in, status);
    }

    /**
     * A streaming completion whose events are read only when asked, and whose connection {@link
     * #close()} drops without a word, as a client that goes away does.
     *
     * <p>Not thread-safe: one test thread reads and closes it.
     */
    static final class OpenStream implements AutoCloseable {

        private final Socket socket;
        private final BufferedReader in;
        private final String status;

        private OpenStream(Socket socket, BufferedReader in, String status) {
            this.socket = socket;
            this.in = in;
            this.status = status;
        }

        /** The response's status line, such as {@code HTTP/1.1 200 OK}. */
        String status() {
            return status;
        }

        /** Reads until {@code count} events came; returns their payloads. */
        List<String> readEvents(int count) throws IOException {
            List<String> data = new ArrayList<>();
            while (data.size() < count) {
                String line = in.readLine();
                if (line == null) {
                    throw new IOException("The stream ended after " + data.size() + " events");
                }
                // chunked transfer encoding puts size lines between the events' lines
                if (line.startsWith("data: ")) {
                    data.add(line.substring("data: ".length()));
                }
            }
            return data;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
