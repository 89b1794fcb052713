package dev.anneal.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.store.crypto.BlobIntegrityException;
import dev.anneal.store.crypto.DataKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTest {

    private static final byte[] MARKER =
            "PLAINTEXT-MARKER-0xC0FFEE".getBytes(StandardCharsets.US_ASCII);

    @TempDir Path temp;

    private Path root;
    private LocalBlobStore store;
    private final DataKey dataKey = DataKey.generate();
    private final BlobKey key = new BlobKey("tenant-a", "file-1");

    @BeforeEach
    void setUp() {
        root = temp.resolve("blobs");
        store = new LocalBlobStore(root);
    }

    @Test
    void shouldReadBackSameBytesWhenCommitted() throws IOException {
        byte[] data = random(1_000_000);

        try (PendingBlob blob = store.create(key, dataKey)) {
            blob.output().write(data);
            blob.commit();
            assertThat(blob.bytesWritten()).isEqualTo(data.length);
        }

        assertThat(store.exists(key)).isTrue();
        try (InputStream in = store.open(key, dataKey)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void shouldCommitWhenOutputWasClosedFirst() throws IOException {
        try (PendingBlob blob = store.create(key, dataKey)) {
            try (OutputStream out = blob.output()) {
                out.write(MARKER);
            }
            blob.commit();
        }

        assertThat(read(key, dataKey)).isEqualTo(MARKER);
    }

    @Test
    void shouldBeInvisibleWhenNotYetCommitted() throws IOException {
        try (PendingBlob blob = store.create(key, dataKey)) {
            blob.output().write(MARKER);

            assertThat(store.exists(key)).isFalse();
            assertThatThrownBy(() -> store.open(key, dataKey))
                    .isInstanceOf(NoSuchBlobException.class)
                    .hasMessageContaining("file-1");
        }
    }

    @Test
    void shouldLeaveNoFileWhenClosedWithoutCommit() throws IOException {
        try (PendingBlob blob = store.create(key, dataKey)) {
            blob.output().write(random(200_000));
        }

        assertThat(filesUnder(root)).isEmpty();
        assertThat(store.exists(key)).isFalse();
    }

    @Test
    void shouldKeepBlobWhenClosedAfterCommit() throws IOException {
        PendingBlob blob = store.create(key, dataKey);
        blob.output().write(MARKER);
        blob.commit();

        blob.close();
        blob.close();

        assertThat(read(key, dataKey)).isEqualTo(MARKER);
        assertThatThrownBy(blob::commit).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRefuseCommitWhenBlobAlreadyExists() throws IOException {
        write(key, "first".getBytes(StandardCharsets.UTF_8));

        try (PendingBlob second = store.create(key, dataKey)) {
            second.output().write(MARKER);
            assertThatThrownBy(second::commit).isInstanceOf(FileAlreadyExistsException.class);
        }

        assertThat(read(key, dataKey)).isEqualTo("first".getBytes(StandardCharsets.UTF_8));
        assertThat(filesUnder(root)).containsExactly(root.resolve("tenant-a/file-1"));
    }

    @Test
    void shouldRemoveFileWhenDeleted() throws IOException {
        write(key, MARKER);

        assertThat(store.delete(key)).isTrue();
        assertThat(store.delete(key)).isFalse();
        assertThat(store.exists(key)).isFalse();
        assertThat(filesUnder(root)).isEmpty();
    }

    @Test
    void shouldRemoveOnlyThatTenantWhenTenantIsDeleted() throws IOException {
        BlobKey other = new BlobKey("tenant-b", "file-1");
        write(key, MARKER);
        write(new BlobKey("tenant-a", "file-2"), MARKER);
        write(other, MARKER);

        store.deleteTenant("tenant-a");

        assertThat(Files.exists(root.resolve("tenant-a"))).isFalse();
        assertThat(store.exists(other)).isTrue();
        assertThatThrownBy(() -> store.deleteTenant(".."))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldKeepPlaintextOffDiskWhenBlobsAreWrittenCommittedAndDiscarded() throws IOException {
        byte[] data = repeat(MARKER, 20_000);
        write(key, data);
        PendingBlob open = store.create(new BlobKey("tenant-a", "file-2"), dataKey);
        open.output().write(data);
        open.output().flush();
        try (PendingBlob discarded = store.create(new BlobKey("tenant-a", "file-3"), dataKey)) {
            discarded.output().write(data);
        }

        List<Path> files = filesUnder(root);
        assertThat(files).hasSize(2);
        for (Path file : files) {
            assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                    .doesNotContain(new String(MARKER, StandardCharsets.ISO_8859_1));
        }
        open.close();
    }

    @Test
    void shouldCreateOwnerOnlyFilesAndFoldersWhenWriting() throws IOException {
        write(key, MARKER);

        assertThat(permissions(root)).isEqualTo("rwx------");
        assertThat(permissions(root.resolve("tenant-a"))).isEqualTo("rwx------");
        assertThat(permissions(root.resolve("tenant-a/file-1"))).isEqualTo("rw-------");
    }

    @Test
    void shouldSweepNothingWhenRootDoesNotExistYet() throws IOException {
        assertThat(store.sweepPending(Duration.ZERO)).isZero();
        assertThat(store.exists(key)).isFalse();
        assertThatThrownBy(() -> store.open(key, dataKey)).isInstanceOf(NoSuchBlobException.class);
    }

    @Test
    void shouldDeleteOnlyOldPendingFilesWhenSwept() throws IOException {
        PendingBlob abandoned = store.create(key, dataKey);
        abandoned.output().write(MARKER);
        PendingBlob fresh = store.create(new BlobKey("tenant-a", "file-2"), dataKey);
        write(new BlobKey("tenant-a", "file-3"), MARKER);
        Path abandonedFile = pendingFiles().get(0);
        Files.setLastModifiedTime(
                abandonedFile, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path freshFile =
                pendingFiles().stream().filter(p -> !p.equals(abandonedFile)).findFirst().get();

        int swept = store.sweepPending(Duration.ofHours(1));

        assertThat(swept).isEqualTo(1);
        assertThat(pendingFiles()).containsExactly(freshFile);
        assertThat(store.exists(new BlobKey("tenant-a", "file-3"))).isTrue();
        abandoned.close();
        fresh.close();
    }

    @Test
    void shouldFailIntegrityWhenBlobFileIsCopiedToAnotherName() throws IOException {
        write(key, MARKER);
        Files.copy(root.resolve("tenant-a/file-1"), root.resolve("tenant-a/file-2"));

        assertThatThrownBy(() -> read(new BlobKey("tenant-a", "file-2"), dataKey))
                .isInstanceOf(BlobIntegrityException.class);
    }

    @Test
    void shouldFailIntegrityWhenReadWithAnotherDataKey() throws IOException {
        write(key, MARKER);

        assertThatThrownBy(() -> read(key, DataKey.generate()))
                .isInstanceOf(BlobIntegrityException.class);
    }

    private void write(BlobKey blobKey, byte[] data) throws IOException {
        try (PendingBlob blob = store.create(blobKey, dataKey)) {
            blob.output().write(data);
            blob.commit();
        }
    }

    private byte[] read(BlobKey blobKey, DataKey readKey) throws IOException {
        try (InputStream in = store.open(blobKey, readKey)) {
            return in.readAllBytes();
        }
    }

    private List<Path> pendingFiles() throws IOException {
        return filesUnder(root).stream()
                .filter(p -> p.getFileName().toString().startsWith(LocalBlobStore.PENDING_PREFIX))
                .sorted()
                .collect(Collectors.toList());
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static byte[] repeat(byte[] unit, int times) {
        byte[] out = new byte[unit.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(unit, 0, out, i * unit.length, unit.length);
        }
        return out;
    }
}
