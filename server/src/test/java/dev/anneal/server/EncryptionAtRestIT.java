package dev.anneal.server;

import static dev.anneal.server.TestApi.as;
import static dev.anneal.server.TestApi.newTenantKey;
import static dev.anneal.server.TestApi.upload;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** No plaintext of an upload is anywhere under the data folder, PostgreSQL's files included. */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class EncryptionAtRestIT {

    @Test
    void shouldKeepNoPlaintextUnderDataFolderAndReturnOriginalBytesWhenAFileIsUploaded()
            throws Exception {
        String key = newTenantKey();
        String marker = "PLAINTEXT-MARKER-" + UUID.randomUUID();
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            content.append(TestApi.chatLine(marker + " " + i)).append('\n');
        }
        byte[] original = content.toString().getBytes(StandardCharsets.UTF_8);
        String id =
                upload(key, "secret.jsonl", original).then().statusCode(200).extract().path("id");

        byte[] downloaded = as(key).get("/v1/files/" + id + "/content").asByteArray();
        assertThat(sha256(downloaded)).isEqualTo(sha256(original));

        assertThat(filesContaining(marker.getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    private static List<Path> filesContaining(byte[] needle) throws IOException {
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(AnnealTestResources.dataDir())) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                if (contains(path, needle)) {
                    hits.add(path);
                }
            }
        }
        return hits;
    }

    private static boolean contains(Path file, byte[] needle) throws IOException {
        byte[] window = new byte[1 << 20];
        int carry = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(window, carry, window.length - carry)) > 0) {
                int end = carry + n;
                outer:
                for (int i = 0; i + needle.length <= end; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (window[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
                carry = Math.min(needle.length - 1, end);
                System.arraycopy(window, end - carry, window, 0, carry);
            }
        } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
            return false; // a file of a running server that came and went
        }
        return false;
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }
}
