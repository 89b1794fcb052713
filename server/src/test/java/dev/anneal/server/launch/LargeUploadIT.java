package dev.anneal.server.launch;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import dev.anneal.server.portal.PortalBrowser;
import dev.anneal.store.blob.S3ProxyServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Memory does not grow with the file: a 1 GiB upload succeeds, byte for byte, through a server
 * whose heap is limited to 256 MiB (embedded Kafka broker included), with blobs in the data folder
 * and with blobs on an S3 object store (S3Proxy; multipart upload); and a 500 MB file goes through
 * the portal's upload, in Chromium, with its progress shown, on the first server.
 */
class LargeUploadIT {

    private static final long TARGET_BYTES = 1L << 30;
    private static final long PORTAL_BYTES = 500_000_000L;
    private static final String BOUNDARY = "anneal-large-upload-boundary";

    @TempDir static Path dataDir;

    @TempDir Path files;

    private static ServerProcess server;
    private static S3ProxyServer s3;
    private static ServerProcess serverOnS3;

    @BeforeAll
    static void startServers() throws Exception {
        s3 = S3ProxyServer.start(dataDir.resolve("s3"));
        s3.createBucket("anneal");
        server =
                ServerProcess.start(
                        dataDir.resolve("local"), "256m", Map.of("ANNEAL_FILES_MAX_BYTES", "2G"));
        Map<String, String> onS3 = new HashMap<>(s3.environment("anneal"));
        onS3.put("ANNEAL_FILES_MAX_BYTES", "2G");
        serverOnS3 = ServerProcess.start(dataDir.resolve("on-s3"), "256m", onS3);
        server.awaitReady(Duration.ofSeconds(120));
        serverOnS3.awaitReady(Duration.ofSeconds(120));
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (ServerProcess process : new ServerProcess[] {server, serverOnS3}) {
            if (process != null) {
                assertThat(process.output()).doesNotContain("OutOfMemoryError");
                process.stop("TERM");
                process.close();
            }
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void shouldUploadFiveHundredMegabytesThroughThePortalShowingProgress() throws Exception {
        String key = server.newTenantKey("portal");
        Path file = files.resolve("large.jsonl");
        byte[] line = chatLine();
        long lines = PORTAL_BYTES / line.length + 1;
        try (OutputStream out =
                new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (long i = 0; i < lines; i++) {
                out.write(line);
            }
        }
        try (PortalBrowser browser = PortalBrowser.open(server.baseUri())) {
            Page page = browser.page();
            PortalBrowser.onFailure(
                    page,
                    "large-upload-failure",
                    () -> {
                        PortalBrowser.signIn(page, key);
                        page.getByLabel("JSONL file").setInputFiles(file);
                        page.getByRole(
                                        AriaRole.BUTTON,
                                        new Page.GetByRoleOptions()
                                                .setName("Upload")
                                                .setExact(true))
                                .click();
                        // the bar moves while the bytes stream, before the server has them all
                        page.waitForFunction(
                                "() => { const bar = document.querySelector('progress');"
                                        + " return bar.value > 0 && bar.value < 100; }",
                                null,
                                new Page.WaitForFunctionOptions().setPollingInterval(20));
                        PlaywrightAssertions.assertThat(page.locator(".upload-status"))
                                .containsText(
                                        "Uploaded large.jsonl: " + lines + " lines",
                                        new LocatorAssertions.ContainsTextOptions()
                                                .setTimeout(300_000));
                    });
        }
    }

    @ParameterizedTest(name = "blobs {0}")
    @ValueSource(strings = {"in the data folder", "on S3"})
    void shouldAcceptOneGibibyteUploadWhenHeapIsLimitedTo256MiB(String store) throws Exception {
        ServerProcess server = store.equals("on S3") ? serverOnS3 : LargeUploadIT.server;
        String key = server.newTenantKey("large");

        byte[] line = chatLine();
        long lines = TARGET_BYTES / line.length + 1;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        byte[] head =
                ("--"
                                + BOUNDARY
                                + "\r\n"
                                + "Content-Disposition: form-data; name=\"purpose\"\r\n\r\n"
                                + "fine-tune\r\n"
                                + "--"
                                + BOUNDARY
                                + "\r\n"
                                + "Content-Disposition: form-data; name=\"file\"; filename=\"large.jsonl\"\r\n"
                                + "Content-Type: application/jsonl\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);

        HttpURLConnection upload = open(server, "/v1/files", key);
        upload.setRequestMethod("POST");
        upload.setDoOutput(true);
        upload.setRequestProperty("Content-Type", "multipart/form-data; boundary=" + BOUNDARY);
        upload.setFixedLengthStreamingMode(head.length + lines * line.length + tail.length);
        try (OutputStream out = upload.getOutputStream()) {
            out.write(head);
            for (long i = 0; i < lines; i++) {
                out.write(line);
                sent.update(line);
            }
            out.write(tail);
        }
        String response = new String(read(upload), StandardCharsets.UTF_8);
        assertThat(upload.getResponseCode()).as(response).isEqualTo(200);
        assertThat(response).contains("\"line_count\":" + lines);
        String id = response.replaceAll(".*\"id\":\"(file-[A-Za-z0-9]+)\".*", "$1");

        HttpURLConnection download = open(server, "/v1/files/" + id + "/content", key);
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long bytes = 0;
        try (InputStream in = download.getInputStream()) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                received.update(buffer, 0, n);
                bytes += n;
            }
        }
        assertThat(bytes).isEqualTo(lines * line.length);
        assertThat(Files.exists(server.dataDirFile("blobs"))).isEqualTo(server != serverOnS3);
        assertThat(HexFormat.of().formatHex(received.digest()))
                .isEqualTo(HexFormat.of().formatHex(sent.digest()));
    }

    private static byte[] chatLine() {
        String words = "the quick brown fox jumps over the lazy dog ".repeat(10);
        return ("{\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                        + "{\"role\":\"user\",\"content\":\"Summarise: "
                        + words
                        + "\"},"
                        + "{\"role\":\"assistant\",\"content\":\"A fox jumps over a dog. "
                        + words
                        + "\"}]}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static HttpURLConnection open(ServerProcess server, String path, String key)
            throws Exception {
        HttpURLConnection connection =
                (HttpURLConnection) URI.create(server.baseUri() + path).toURL().openConnection();
        connection.setRequestProperty("Authorization", "Bearer " + key);
        connection.setReadTimeout(300_000);
        return connection;
    }

    private static byte[] read(HttpURLConnection connection) throws Exception {
        InputStream in =
                connection.getResponseCode() < 400
                        ? connection.getInputStream()
                        : connection.getErrorStream();
        try (in) {
            return in.readAllBytes();
        }
    }
}
