package dev.anneal.store.blob;

import static dev.anneal.store.TestBytes.repeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.store.crypto.SegmentedAesGcm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTest extends BlobStoreContract {

    @TempDir Path temp;

    private Path root;

    @Override
    BlobStore newStore() {
        root = temp.resolve("blobs");
        return new LocalBlobStore(root, bypassCache());
    }

    /** Whether the store's writes bypass the page cache where the file system allows it. */
    boolean bypassCache() {
        return true;
    }

    @Override
    List<String> stored() throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    @Override
    byte[] storedBytes(BlobKey blobKey) throws IOException {
        return Files.readAllBytes(file(blobKey));
    }

    @Override
    void copyStored(BlobKey from, BlobKey to) throws IOException {
        Files.copy(file(from), file(to));
    }

    @Test
    void shouldKeepPlaintextOffDiskWhileBlobsAreBeingWritten() throws IOException {
        byte[] data = repeat(MARKER, 20_000);
        try (PendingBlob open = store.create(key, dataKey)) {
            open.output().write(data);
            open.output().flush();

            Path pending = pendingFiles().get(0);
            assertThat(
                            new String(
                                    Files.readAllBytes(pending),
                                    java.nio.charset.StandardCharsets.ISO_8859_1))
                    .doesNotContain(
                            new String(MARKER, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void shouldReadBackSameBytesWhenFlushedInTheBackgroundWhileWriting() throws IOException {
        byte[] data = random((int) (2.5 * LocalPendingBlob.FLUSH_EVERY));

        try (PendingBlob blob = store.create(key, dataKey)) {
            for (int off = 0; off < data.length; off += 65_536) {
                blob.output().write(data, off, Math.min(65_536, data.length - off));
            }
            blob.commit();
        }

        assertThat(read(key, dataKey)).isEqualTo(data);
        assertThat(pendingFiles()).isEmpty();
    }

    @Test
    void shouldLeaveNothingWhenDiscardedWhileAFlushMayRun() throws IOException {
        byte[] chunk = random(65_536);
        try (PendingBlob blob = store.create(key, dataKey)) {
            for (long written = 0;
                    written <= LocalPendingBlob.FLUSH_EVERY;
                    written += chunk.length) {
                blob.output().write(chunk);
            }
        }

        assertThat(stored()).isEmpty();
        assertThat(store.exists(key)).isFalse();
    }

    @Test
    void shouldReadBackEveryLengthAroundBlockAndBufferEdges() throws IOException {
        int tail = SegmentedAesGcm.HEADER_SIZE + SegmentedAesGcm.TAG_SIZE;
        int[] lengths = {
            0,
            1,
            4096 - tail,
            4096 - tail + 1,
            DirectWrites.BUFFER_SIZE,
            DirectWrites.BUFFER_SIZE + 1,
            3 * DirectWrites.BUFFER_SIZE + 12_345
        };
        for (int i = 0; i < lengths.length; i++) {
            BlobKey blobKey = new BlobKey("tenant-a", "file-" + (10 + i));
            byte[] data = random(lengths[i]);

            write(blobKey, data);

            assertThat(read(blobKey, dataKey)).as("length %d", lengths[i]).isEqualTo(data);
            assertThat(Files.size(file(blobKey)))
                    .isEqualTo(SegmentedAesGcm.ciphertextLength(lengths[i]));
        }
        assertThat(pendingFiles()).isEmpty();
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

    private Path file(BlobKey blobKey) {
        return root.resolve(blobKey.tenantId()).resolve(blobKey.name());
    }

    private List<Path> pendingFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .filter(
                            p ->
                                    p.getFileName()
                                            .toString()
                                            .startsWith(LocalBlobStore.PENDING_PREFIX))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
