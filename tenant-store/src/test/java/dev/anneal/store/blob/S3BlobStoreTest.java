package dev.anneal.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

/** The blob store contract on a real S3 API server (S3Proxy), with 5 MiB parts. */
class S3BlobStoreTest extends BlobStoreContract {

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final Optional<String> ID = Optional.of(S3ProxyServer.ACCESS_KEY_ID);
    private static final Optional<String> SECRET = Optional.of(S3ProxyServer.SECRET_ACCESS_KEY);

    @TempDir static Path temp;

    private static S3ProxyServer server;

    private String bucket;
    private S3Client raw;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start(temp.resolve("s3"));
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @Override
    BlobStore newStore() throws IOException {
        bucket = "blobs-" + BUCKETS.incrementAndGet();
        server.createBucket(bucket);
        S3Settings settings = server.settings(bucket, S3Settings.MIN_PART_SIZE);
        raw = settings.client();
        S3BlobStore s3 = new S3BlobStore(settings.client(), settings);
        s3.checkBucket();
        return s3;
    }

    @AfterEach
    void closeRawClient() {
        raw.close();
    }

    @Override
    List<String> stored() {
        List<String> names = new ArrayList<>();
        // S3Proxy keeps objects as files and lists their folders too, as "tenant-a/"; S3 has none
        raw.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                .map(o -> o.key())
                .filter(k -> !k.endsWith("/"))
                .forEach(names::add);
        raw.listMultipartUploadsPaginator(b -> b.bucket(bucket))
                .uploads()
                .forEach(u -> names.add("unfinished:" + u.key()));
        return names;
    }

    @Override
    byte[] storedBytes(BlobKey blobKey) {
        return raw.getObject(
                        b -> b.bucket(bucket).key(blobKey.tenantId() + "/" + blobKey.name()),
                        ResponseTransformer.toBytes())
                .asByteArray();
    }

    @Override
    void copyStored(BlobKey from, BlobKey to) {
        raw.copyObject(
                b ->
                        b.sourceBucket(bucket)
                                .sourceKey(from.tenantId() + "/" + from.name())
                                .destinationBucket(bucket)
                                .destinationKey(to.tenantId() + "/" + to.name()));
    }

    @Test
    void shouldKeepBlobsUnderThePrefixOnly() throws IOException {
        S3Settings prefixed =
                server.settings(bucket, ID, SECRET, "installations/eu", S3Settings.MIN_PART_SIZE);
        write(key, MARKER);
        try (S3BlobStore other = new S3BlobStore(prefixed.client(), prefixed)) {
            assertThat(other.exists(key)).isFalse();
            try (PendingBlob blob = other.create(key, dataKey)) {
                blob.output().write(MARKER);
                blob.commit();
            }
            other.deleteTenant("tenant-a");
        }

        assertThat(stored()).containsExactly("tenant-a/file-1");
        assertThat(store.committedBefore(java.time.Instant.now().plusSeconds(60)))
                .containsExactly(key);
    }

    @Test
    void shouldNameTheBucketWhenItDoesNotExist() {
        S3Settings missing = server.settings("no-such-bucket", S3Settings.MIN_PART_SIZE);
        try (S3BlobStore s3 = new S3BlobStore(missing.client(), missing)) {
            assertThatThrownBy(s3::checkBucket)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("s3://no-such-bucket/")
                    .hasMessageContaining("does not exist");
        }
    }

    @Test
    void shouldRefuseWrongCredentialsWithAClearMessage() {
        S3Settings wrong =
                server.settings(
                        bucket,
                        Optional.of("someone"),
                        Optional.of("wrong-secret"),
                        "",
                        S3Settings.MIN_PART_SIZE);
        try (S3BlobStore s3 = new S3BlobStore(wrong.client(), wrong)) {
            assertThatThrownBy(s3::checkBucket)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("refuses these credentials");
        }
    }

    @Test
    void shouldRefuseSettingsThatCannotWork() {
        Optional<String> none = Optional.empty();
        int part = S3Settings.MIN_PART_SIZE;
        assertThatThrownBy(() -> server.settings(" ", none, none, "", part))
                .hasMessageContaining("ANNEAL_S3_BUCKET");
        assertThatThrownBy(() -> server.settings(bucket, ID, none, "", part))
                .hasMessageContaining("ANNEAL_S3_SECRET_ACCESS_KEY");
        assertThatThrownBy(() -> server.settings(bucket, none, none, "/root", part))
                .hasMessageContaining("ANNEAL_S3_PREFIX");
        assertThatThrownBy(() -> server.settings(bucket, none, none, "", 1024 * 1024))
                .hasMessageContaining("5 MiB");
        assertThat(server.settings(bucket, ID, SECRET, "", part).toString())
                .doesNotContain(S3ProxyServer.SECRET_ACCESS_KEY);
    }
}
