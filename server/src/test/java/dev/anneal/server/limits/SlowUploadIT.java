package dev.anneal.server.limits;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.newTenantKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.server.AnnealTestResources;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An upload that trickles in is cut off with 408 once past its grace period; nothing is kept. */
@QuarkusTest
@TestProfile(SlowUploadIT.Impatient.class)
@WithTestResource(AnnealTestResources.class)
class SlowUploadIT {

    /** Uploads must reach 1 MiB/s after 2 s. */
    public static class Impatient implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "anneal.files.min-upload-rate", "1M",
                    "anneal.files.slow-upload-grace", "2s",
                    "anneal.roles", "api");
        }
    }

    private static final String BOUNDARY = "trickle";

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldAnswer408AndKeepNothingWhenAnUploadArrivesTooSlowly() throws Exception {
        String key = newTenantKey();
        String head =
                "--"
                        + BOUNDARY
                        + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
                        + "--"
                        + BOUNDARY
                        + "\r\nContent-Disposition: form-data; name=\"file\";"
                        + " filename=\"slow.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n";
        String status;
        // a raw HTTP/1.1 client, so that the answer is read while the body still trickles
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /v1/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                                    + key
                                    + "\r\nContent-Type: multipart/form-data; boundary="
                                    + BOUNDARY
                                    + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            chunk(out, head.getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            try {
                while (in.available() == 0 && System.nanoTime() < deadline) {
                    chunk(out, LINE);
                    Thread.sleep(100);
                }
            } catch (IOException closedByServer) {
                // the server may close the connection with its answer
            }
            status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        }

        assertThat(status).isEqualTo("HTTP/1.1 408");
        assertThat(as(key).get("/v1/files").jsonPath().getList("data")).isEmpty();
    }

    private static final byte[] LINE =
            ("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                            + "{\"role\":\"assistant\",\"content\":\"hello\"}]}\n")
                    .getBytes(StandardCharsets.UTF_8);

    private static void chunk(OutputStream out, byte[] bytes) throws IOException {
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
