package dev.anneal.server;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.chatLine;
import static dev.anneal.server.TestApi.newKey;
import static dev.anneal.server.TestApi.newTenant;
import static dev.anneal.server.TestApi.upload;
import static dev.anneal.server.TestApi.uploadChat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class FilesResourceIT {

    @TestHTTPResource("/")
    URI base;

    private String tenant;
    private String key;

    @BeforeEach
    void newCaller() {
        tenant = newTenant();
        key = newKey(tenant);
    }

    @Test
    void shouldStoreChatFileWithOpenAiFieldsWhenFileIsValid() {
        String content = chatLine("one") + "\n" + chatLine("two") + "\n";
        upload(key, "train.jsonl", content)
                .then()
                .statusCode(200)
                .body("id", startsWith("file-"))
                .body("object", equalTo("file"))
                .body("bytes", equalTo(content.getBytes(StandardCharsets.UTF_8).length))
                .body("filename", equalTo("train.jsonl"))
                .body("purpose", equalTo("fine-tune"))
                .body("status", equalTo("processed"))
                .body("format", equalTo("chat"))
                .body("line_count", equalTo(2));
    }

    /**
     * {@code curl --http2} on an {@code http://} URL asks to switch to HTTP/2 in the upload's own
     * request ({@code Upgrade: h2c}). Plaintext HTTP stays HTTP/1.1, so the request is served as
     * sent; a server that switched after the headers read the rest of the body as HTTP/2 frames and
     * hung until the idle timeout.
     */
    @Test
    void shouldStoreAnUploadThatAsksToUpgradeToCleartextHttp2() throws IOException {
        String content = (chatLine("x".repeat(200)) + "\n").repeat(6_000); // 2.9 MB
        String boundary = "upgrade";
        byte[] body =
                ("--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
                                + "fine-tune\r\n--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"file\";"
                                + " filename=\"big.jsonl\"\r\n\r\n"
                                + content
                                + "\r\n--"
                                + boundary
                                + "--\r\n")
                        .getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /v1/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                                    + key
                                    + "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c"
                                    + "\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nContent-Type:"
                                    + " multipart/form-data; boundary="
                                    + boundary
                                    + "\r\nContent-Length: "
                                    + body.length
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();

            String answer =
                    new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).isEqualTo("HTTP/1.1 200");
        }
    }

    @Test
    void shouldDetectEveryFormatWhenFilesOfEachAreUploaded() {
        assertFormat("{\"prompt\":\"2+2=\",\"completion\":\"4\"}\n", "prompt_completion");
        assertFormat(
                "{\"prompt\":\"Say hi\",\"chosen\":\"Hi!\",\"rejected\":\"No.\"}\n", "preference");
        assertFormat(
                "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]},"
                        + "\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"Hello!\"}],"
                        + "\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"Go away\"}]}\n",
                "preference");
        assertFormat("{\"text\":\"Once upon a time\"}\n{\"text\":\"there was\"}\n", "text");
    }

    private void assertFormat(String content, String format) {
        upload(key, "f.jsonl", content).then().statusCode(200).body("format", equalTo(format));
    }

    @Test
    void shouldReturnExactBytesWhenFileHasBomCrlfAndTrailingBlankLines() {
        byte[] content =
                ("\uFEFF" + chatLine("bom") + "\r\n" + chatLine("crlf") + "\r\n\r\n\n")
                        .getBytes(StandardCharsets.UTF_8);
        String id =
                upload(key, "windows.jsonl", content)
                        .then()
                        .statusCode(200)
                        .body("line_count", equalTo(2))
                        .extract()
                        .path("id");

        byte[] downloaded =
                as(key).get("/v1/files/" + id + "/content")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        assertThat(downloaded).isEqualTo(content);
    }

    @Test
    void shouldListNewestFirstAndPageWhenAfterAndLimitAreGiven() {
        String first = uploadChat(key);
        String second = uploadChat(key);
        String third = uploadChat(key);

        as(key).get("/v1/files?limit=2")
                .then()
                .statusCode(200)
                .body("object", equalTo("list"))
                .body("data.id", contains(third, second))
                .body("has_more", equalTo(true))
                .body("first_id", equalTo(third))
                .body("last_id", equalTo(second));
        as(key).get("/v1/files?limit=2&after=" + second)
                .then()
                .statusCode(200)
                .body("data.id", contains(first))
                .body("has_more", equalTo(false));
        as(key).get("/v1/files?order=asc&purpose=fine-tune")
                .then()
                .statusCode(200)
                .body("data.id", contains(first, second, third));
        as(key).get("/v1/files?limit=0")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("limit"));
        as(key).get("/v1/files?purpose=vision")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("purpose"));
    }

    @Test
    void shouldRejectWithLineFieldAndReasonAndKeepNothingWhenFileIsInvalid() throws IOException {
        String content =
                chatLine("ok")
                        + "\n"
                        + "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                        + "{\"role\":\"robot\",\"content\":\"x\"}]}\n"
                        + "{\"prompt\":\"a\",\"completion\":\"b\"}\n";
        upload(key, "bad.jsonl", content)
                .then()
                .statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_file_format"))
                .body("error.param", equalTo("file"))
                .body("error.message", containsString("line 2"))
                .body("error.errors", hasSize(2))
                .body("error.errors[0].line", equalTo(2))
                .body("error.errors[0].field", equalTo("messages[1].role"))
                .body("error.errors[0].reason", containsString("system, user, assistant"))
                .body("error.errors[1].line", equalTo(3))
                .body("error.errors[1].reason", containsString("format differs"));

        assertNothingStored();
    }

    @Test
    void shouldSayPrettyPrintedWhenJsonSpansLines() throws IOException {
        upload(key, "pretty.json", "{\n  \"messages\": []\n}\n")
                .then()
                .statusCode(400)
                .body("error.message", containsString("pretty-printed"));
        assertNothingStored();
    }

    @Test
    void shouldListAtMostTwentyErrorsWhenManyLinesAreBad() throws IOException {
        String content = "{\"text\":5}\n".repeat(30);
        upload(key, "many.jsonl", content)
                .then()
                .statusCode(400)
                .body("error.errors", hasSize(20))
                .body("error.more_errors", equalTo(true));
        assertNothingStored();
    }

    @Test
    void shouldAnswer413AndKeepNothingWhenFileIsOverTheLimit() throws IOException {
        String line = chatLine("x".repeat(1000)) + "\n";
        String content =
                line.repeat((int) (AnnealTestResources.MAX_FILE_BYTES / line.length()) + 10);
        upload(key, "big.jsonl", content)
                .then()
                .statusCode(413)
                .body("error.code", equalTo("file_too_large"));
        assertNothingStored();
    }

    @Test
    void shouldRejectMissingOrWrongFormFieldsWhenUploading() {
        as(key).multiPart("file", "a.jsonl", chatLine("x").getBytes(StandardCharsets.UTF_8))
                .post("/v1/files")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("purpose"));
        as(key).multiPart("purpose", "batch")
                .multiPart("file", "a.jsonl", chatLine("x").getBytes(StandardCharsets.UTF_8))
                .post("/v1/files")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("purpose"));
        as(key).multiPart("purpose", "fine-tune")
                .post("/v1/files")
                .then()
                .statusCode(400)
                .body("error.param", equalTo("file"));
        as(key).contentType("application/json").body("{}").post("/v1/files").then().statusCode(415);
    }

    @Test
    void shouldDeleteRecordAndBlobWhenFileIsDeleted() throws IOException {
        String id = uploadChat(key);
        assertThat(blobFiles()).hasSize(1);

        as(key).delete("/v1/files/" + id)
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("object", equalTo("file"))
                .body("deleted", equalTo(true));

        as(key).get("/v1/files/" + id).then().statusCode(404);
        as(key).get("/v1/files/" + id + "/content").then().statusCode(404);
        as(key).delete("/v1/files/" + id).then().statusCode(404);
        assertThat(blobFiles()).isEmpty();
    }

    private void assertNothingStored() throws IOException {
        as(key).get("/v1/files").then().statusCode(200).body("data", hasSize(0));
        assertThat(blobFiles()).isEmpty();
    }

    /** Every file in the tenant's blob folder, pending ones included. */
    private List<Path> blobFiles() throws IOException {
        Path dir = AnnealTestResources.dataDir().resolve("blobs").resolve(tenant);
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
