package dev.anneal.store.blob;

import static dev.anneal.store.TestBytes.repeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.store.TestBytes;
import dev.anneal.store.crypto.BlobIntegrityException;
import dev.anneal.store.crypto.DataKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlobStore} does, run against each of them: a subclass supplies a fresh, empty
 * store and a view of what the storage underneath holds.
 */
abstract class BlobStoreContract {

    static final byte[] MARKER = "PLAINTEXT-MARKER-0xC0FFEE".getBytes(StandardCharsets.US_ASCII);

    /** Larger than a part of a multipart upload, so that S3 takes that path. */
    static final int LARGE = 12 * 1024 * 1024;

    BlobStore store;
    final DataKey dataKey = DataKey.generate();
    final BlobKey key = new BlobKey("tenant-a", "file-1");

    /** A fresh store over empty storage. */
    abstract BlobStore newStore() throws Exception;

    /**
     * Everything the storage holds, committed or unfinished, as {@code tenant/name} (unfinished
     * ones marked so that they differ from committed names).
     */
    abstract List<String> stored() throws IOException;

    /** The stored bytes of a committed blob, as the storage holds them. */
    abstract byte[] storedBytes(BlobKey blobKey) throws IOException;

    /** Copies a committed blob's stored bytes to another key, behind the store's back. */
    abstract void copyStored(BlobKey from, BlobKey to) throws IOException;

    @BeforeEach
    void createStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
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
        assertThat(read(key, dataKey)).isEqualTo(data);
    }

    @Test
    void shouldReadBackSameBytesWhenBlobSpansSeveralParts() throws IOException {
        byte[] data = random(LARGE * 2 + 12_345);

        try (PendingBlob blob = store.create(key, dataKey)) {
            for (int off = 0; off < data.length; off += 100_000) {
                blob.output().write(data, off, Math.min(100_000, data.length - off));
            }
            blob.commit();
        }

        assertThat(read(key, dataKey)).isEqualTo(data);
        assertThat(stored()).containsExactly("tenant-a/file-1");
    }

    @Test
    void shouldStoreEmptyBlob() throws IOException {
        try (PendingBlob blob = store.create(key, dataKey)) {
            blob.commit();
        }

        assertThat(read(key, dataKey)).isEmpty();
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
            blob.output().write(random(LARGE + 1));

            assertThat(store.exists(key)).isFalse();
            assertThat(store.committedBefore(Instant.now().plusSeconds(60))).isEmpty();
            assertThatThrownBy(() -> store.open(key, dataKey))
                    .isInstanceOf(NoSuchBlobException.class)
                    .hasMessageContaining("file-1");
        }
    }

    @Test
    void shouldLeaveNothingWhenClosedWithoutCommit() throws IOException {
        try (PendingBlob blob = store.create(key, dataKey)) {
            blob.output().write(random(200_000));
        }
        try (PendingBlob blob = store.create(new BlobKey("tenant-a", "file-2"), dataKey)) {
            blob.output().write(random(LARGE + 1));
        }

        assertThat(stored()).isEmpty();
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
        try (PendingBlob large = store.create(key, dataKey)) {
            large.output().write(random(LARGE + 1));
            assertThatThrownBy(large::commit).isInstanceOf(FileAlreadyExistsException.class);
        }

        assertThat(read(key, dataKey)).isEqualTo("first".getBytes(StandardCharsets.UTF_8));
        assertThat(stored()).containsExactly("tenant-a/file-1");
    }

    @Test
    void shouldRemoveBlobWhenDeleted() throws IOException {
        write(key, MARKER);

        assertThat(store.delete(key)).isTrue();
        assertThat(store.delete(key)).isFalse();
        assertThat(store.exists(key)).isFalse();
        assertThat(stored()).isEmpty();
    }

    @Test
    void shouldRemoveOnlyThatTenantWhenTenantIsDeleted() throws IOException {
        BlobKey other = new BlobKey("tenant-b", "file-1");
        write(key, MARKER);
        write(new BlobKey("tenant-a", "file-2"), MARKER);
        write(new BlobKey("tenant-aa", "file-1"), MARKER);
        write(other, MARKER);
        PendingBlob unfinished = store.create(new BlobKey("tenant-a", "file-3"), dataKey);
        unfinished.output().write(random(LARGE + 1));

        store.deleteTenant("tenant-a");

        assertThat(stored()).containsExactlyInAnyOrder("tenant-aa/file-1", "tenant-b/file-1");
        assertThat(store.exists(other)).isTrue();
        assertThatThrownBy(() -> store.deleteTenant(".."))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(unfinished::commit).isInstanceOf(IOException.class);
        unfinished.close();
    }

    @Test
    void shouldStoreOnlyCiphertext() throws IOException {
        byte[] data = repeat(MARKER, 20_000);
        write(key, data);
        BlobKey large = new BlobKey("tenant-a", "file-2");
        write(large, repeat(MARKER, LARGE / MARKER.length + 1));

        for (BlobKey written : List.of(key, large)) {
            assertThat(new String(storedBytes(written), StandardCharsets.ISO_8859_1))
                    .doesNotContain(new String(MARKER, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void shouldListCommittedBlobsWrittenBeforeTheGivenTime() throws IOException {
        write(key, MARKER);
        BlobKey other = new BlobKey("tenant-b", "file-9");
        write(other, MARKER);

        assertThat(store.committedBefore(Instant.now().plusSeconds(60)))
                .containsExactlyInAnyOrder(key, other);
        assertThat(store.committedBefore(Instant.now().minusSeconds(3600))).isEmpty();
    }

    @Test
    void shouldSweepUnfinishedBlobsButNotCommittedOnes() throws IOException {
        PendingBlob abandoned = store.create(key, dataKey);
        abandoned.output().write(random(LARGE + 1));
        BlobKey committed = new BlobKey("tenant-a", "file-3");
        write(committed, MARKER);

        assertThat(store.sweepPending(Duration.ofHours(1))).isZero();
        assertThat(store.sweepPending(Duration.ofSeconds(-1))).isEqualTo(1);

        assertThat(stored()).containsExactly("tenant-a/file-3");
        assertThatThrownBy(abandoned::commit).isInstanceOf(IOException.class);
        assertThat(store.exists(key)).isFalse();
        abandoned.close();
    }

    @Test
    void shouldFailIntegrityWhenStoredBytesAreCopiedToAnotherName() throws IOException {
        write(key, MARKER);
        copyStored(key, new BlobKey("tenant-a", "file-2"));

        assertThatThrownBy(() -> read(new BlobKey("tenant-a", "file-2"), dataKey))
                .isInstanceOf(BlobIntegrityException.class);
    }

    @Test
    void shouldFailIntegrityWhenReadWithAnotherDataKey() throws IOException {
        write(key, MARKER);

        assertThatThrownBy(() -> read(key, DataKey.generate()))
                .isInstanceOf(BlobIntegrityException.class);
    }

    @Test
    void shouldOpenWithTheKeyItWasWrittenWithAmongSeveral() throws IOException {
        write(key, MARKER);

        try (InputStream in = store.open(key, List.of(DataKey.generate(), dataKey))) {
            assertThat(in.readAllBytes()).isEqualTo(MARKER);
        }
    }

    void write(BlobKey blobKey, byte[] data) throws IOException {
        try (PendingBlob blob = store.create(blobKey, dataKey)) {
            blob.output().write(data);
            blob.commit();
        }
    }

    byte[] read(BlobKey blobKey, DataKey readKey) throws IOException {
        try (InputStream in = store.open(blobKey, readKey)) {
            return in.readAllBytes();
        }
    }

    static byte[] random(int size) {
        return TestBytes.random(size, size);
    }
}
