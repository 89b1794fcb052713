package dev.anneal.store.blob;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A blob being written: invisible to readers until {@link #commit()}. Use it in try-with-resources,
 * so that a failed upload discards what was written:
 *
 * <pre>{@code
 * try (PendingBlob blob = store.create(key, dataKey)) {
 *     in.transferTo(blob.output());
 *     blob.commit();
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one thread writes one pending blob.
 */
public interface PendingBlob extends AutoCloseable {

    /**
     * Where the plaintext goes; it is encrypted before it reaches storage. Closing this stream ends
     * the plaintext but does not commit.
     */
    OutputStream output();

    /** Plaintext bytes written to {@link #output()} so far. */
    long bytesWritten();

    /**
     * Ends the plaintext, makes the blob durable, then makes it visible under its key in one atomic
     * step. Blob names are unique ids, so an existing blob is never replaced.
     *
     * @throws java.nio.file.FileAlreadyExistsException if a blob with this key exists
     * @throws IllegalStateException if already committed or closed
     */
    void commit() throws IOException;

    /**
     * Discards everything written unless committed; after a commit, does nothing. Declares no
     * checked exception so that it can run in any cleanup path.
     *
     * @throws java.io.UncheckedIOException if the written bytes could not be deleted; they are
     *     ciphertext, and {@link BlobStore#sweepPending} removes them later
     */
    @Override
    void close();
}
