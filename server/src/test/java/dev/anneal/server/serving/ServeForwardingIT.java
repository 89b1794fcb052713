package dev.anneal.server.serving;

import static dev.anneal.server.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A process without the {@code serve} role forwards completions to {@code anneal.serve.url}: here a
 * stand-in for the serving process (a JDK HTTP server in this JVM) that records what reached it and
 * answers with server-sent events; when nothing answers there, the client gets 503 {@code
 * serving_unavailable} with {@code Retry-After}. (The real serving process behind it is run by
 * {@code RoleSplitIT}.)
 *
 * <p>A test profile: one more application start for the suite.
 */
@QuarkusTest
@TestProfile(ServeForwardingIT.ForwardingApi.class)
@WithTestResource(AnnealTestResources.class)
class ServeForwardingIT {

    private static final AtomicReference<Headers> RECEIVED = new AtomicReference<>();
    private static final AtomicReference<String> RECEIVED_BODY = new AtomicReference<>();
    private static final HttpServer SERVING = startServing();

    /** The API role only, forwarding to the stand-in. */
    public static class ForwardingApi implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "anneal.roles",
                    "api",
                    "anneal.serve.url",
                    "http://127.0.0.1:" + SERVING.getAddress().getPort());
        }
    }

    private static HttpServer startServing() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext(
                    "/",
                    exchange -> {
                        RECEIVED.set(exchange.getRequestHeaders());
                        RECEIVED_BODY.set(
                                new String(
                                        exchange.getRequestBody().readAllBytes(),
                                        StandardCharsets.UTF_8));
                        if (exchange.getRequestURI().getPath().equals("/v1/completions")) {
                            exchange.close(); // no answer at all: the serving pod died
                            return;
                        }
                        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                        exchange.sendResponseHeaders(200, 0);
                        try (OutputStream out = exchange.getResponseBody()) {
                            for (String chunk : new String[] {"one", "two", "[DONE]"}) {
                                out.write(("data: " + chunk + "\n\n").getBytes());
                                out.flush();
                            }
                        }
                    });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldStreamTheServingAnswerThroughUnchangedWhenForwarding() {
        String key = TestApi.newTenantKey();
        String body = "{\"model\":\"anneal-nano\",\"stream\":true,\"messages\":[]}";

        Response response =
                as(key).contentType("application/json")
                        .header("x-request-id", "req-forwarded-1")
                        .header("X-Forwarded-For", "203.0.113.7")
                        .body(body)
                        .post("/v1/chat/completions");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/event-stream");
        assertThat(response.asString()).isEqualTo("data: one\n\ndata: two\n\ndata: [DONE]\n\n");
        assertThat(response.header("x-request-id")).isEqualTo("req-forwarded-1");
        Headers received = RECEIVED.get();
        assertThat(RECEIVED_BODY.get()).isEqualTo(body);
        assertThat(received.getFirst("Authorization")).isEqualTo("Bearer " + key);
        assertThat(received.getFirst("X-request-id")).isEqualTo("req-forwarded-1");
        assertThat(received.getFirst("X-forwarded-for")).startsWith("203.0.113.7, ");
    }

    @Test
    void shouldAnswerServingUnavailableWhenNoServingProcessAnswers() {
        String key = TestApi.newTenantKey();

        as(key).contentType("application/json")
                .body("{\"model\":\"anneal-nano\",\"prompt\":\"Hi\"}")
                .post("/v1/completions")
                .then()
                .statusCode(503)
                .header("Retry-After", "1")
                .body("error.code", equalTo("serving_unavailable"));
        // other routes are this process's own
        as(key).get("/v1/models").then().statusCode(200);
    }
}
