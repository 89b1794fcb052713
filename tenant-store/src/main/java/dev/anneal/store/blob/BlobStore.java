package dev.anneal.store.blob;

import dev.anneal.store.crypto.BlobIntegrityException;
import dev.anneal.store.crypto.DataKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Stores tenants' blobs encrypted with the tenant's {@link DataKey}; plaintext never reaches
 * storage. A blob is written once through a {@link PendingBlob} and becomes visible, whole, at its
 * commit; it is never modified afterwards, only deleted.
 *
 * <p>Implementations are thread-safe. Each blob's ciphertext is bound to its {@link BlobKey}, so
 * bytes copied to another key do not decrypt.
 */
public interface BlobStore extends AutoCloseable {

    /**
     * Starts writing the blob {@code key}, encrypted with {@code dataKey}. Nothing is visible under
     * {@code key} until {@link PendingBlob#commit()}.
     */
    PendingBlob create(BlobKey key, DataKey dataKey) throws IOException;

    /**
     * Opens a committed blob for reading; the stream decrypts and authenticates as it goes and
     * throws {@link dev.anneal.store.crypto.BlobIntegrityException} if the bytes were changed or
     * {@code dataKey} is not the one they were written with.
     *
     * @throws NoSuchBlobException if there is no committed blob {@code key}
     */
    InputStream open(BlobKey key, DataKey dataKey) throws IOException;

    /**
     * Opens a committed blob written with one of {@code dataKeys} (a tenant's current key and those
     * it had before a rotation, newest first): the first segment is authenticated under each in
     * turn until one holds, so a blob costs at most one segment's decryption per newer key.
     *
     * @throws dev.anneal.store.crypto.BlobIntegrityException if none of the keys opens it
     */
    default InputStream open(BlobKey key, List<DataKey> dataKeys) throws IOException {
        BlobIntegrityException first = null;
        for (DataKey dataKey : dataKeys) {
            InputStream in = open(key, dataKey);
            PushbackInputStream peek = new PushbackInputStream(in, 1);
            try {
                int b = peek.read();
                if (b >= 0) {
                    peek.unread(b);
                }
                return peek;
            } catch (BlobIntegrityException e) {
                in.close();
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first == null) {
            throw new IllegalArgumentException("No data key to open " + key + " with.");
        }
        throw first;
    }

    /** Whether a committed blob {@code key} exists. */
    boolean exists(BlobKey key);

    /**
     * Deletes the blob {@code key}; readers that already opened it may finish reading.
     *
     * @return whether there was such a blob
     */
    boolean delete(BlobKey key) throws IOException;

    /**
     * Deletes every blob of a tenant, pending ones included. Writers of that tenant must have
     * stopped; forgetting the tenant's wrapped data key makes any copy unreadable anyway.
     */
    void deleteTenant(String tenantId) throws IOException;

    /**
     * The committed blobs last written before {@code before}: for reconciliation with the records
     * that name them.
     */
    List<BlobKey> committedBefore(Instant before) throws IOException;

    /**
     * Removes what writers that crashed left unfinished, begun more than {@code olderThan} ago.
     * Choose an age well beyond the slowest upload: a live writer whose blob is swept fails at
     * commit.
     *
     * @return how many unfinished blobs were removed
     */
    int sweepPending(Duration olderThan) throws IOException;

    /** Releases connections; the store is not used afterwards. */
    @Override
    default void close() {}
}
