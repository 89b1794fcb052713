package dev.anneal.store.blob;

import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.SegmentedAesGcm;
import java.io.IOException;
import java.io.OutputStream;

/**
 * What every {@link PendingBlob} does, whatever the storage: plaintext written to {@link #output()}
 * is counted and encrypted ({@link SegmentedAesGcm}, bound to the blob's id) into the storage's
 * {@link #ciphertextSink()}; a failure on the way leaves the blob unable to commit; {@link
 * #commit()} and {@link #close()} keep their order and happen once. A store says how its ciphertext
 * is kept ({@link #ciphertextSink()}), made visible ({@link #publish()}) and thrown away ({@link
 * #discard()}).
 */
abstract class EncryptingPendingBlob implements PendingBlob {

    private final String name;
    private final DataKey dataKey;
    private final String blobId;
    private final OutputStream output = new CountingOutput();
    private OutputStream encrypting;
    private long bytesWritten;
    private boolean committed;
    private boolean closed;
    private boolean broken;

    EncryptingPendingBlob(BlobKey key, DataKey dataKey) {
        this.name = key.name();
        this.dataKey = dataKey;
        this.blobId = key.blobId();
    }

    /** Where the ciphertext goes; asked once, at the first write or the commit. */
    abstract OutputStream ciphertextSink() throws IOException;

    /**
     * Makes the ciphertext, all of it in the sink by now, durable, then visible under the blob's
     * key in one step, never replacing an existing blob.
     *
     * @throws java.nio.file.FileAlreadyExistsException if a blob with this key exists
     */
    abstract void publish() throws IOException;

    /**
     * Throws away what was written.
     *
     * @throws java.io.UncheckedIOException if that failed
     */
    abstract void discard();

    /** Whether the blob was discarded: writes to the sink then fail. */
    final boolean discarded() {
        return closed;
    }

    @Override
    public final OutputStream output() {
        return output;
    }

    @Override
    public final long bytesWritten() {
        return bytesWritten;
    }

    @Override
    public final void commit() throws IOException {
        if (committed) {
            throw new IllegalStateException("Blob " + name + " already committed.");
        }
        if (closed) {
            throw new IllegalStateException("Blob " + name + " was discarded.");
        }
        if (broken) {
            throw new IOException(
                    "Writing blob " + name + " failed earlier; it cannot be committed.");
        }
        writing(() -> encrypting().close());
        publish();
        committed = true;
    }

    @Override
    public final void close() {
        if (committed || closed) {
            return;
        }
        closed = true;
        discard();
    }

    private OutputStream encrypting() throws IOException {
        if (encrypting == null) {
            encrypting = SegmentedAesGcm.encrypt(dataKey, blobId, ciphertextSink());
        }
        return encrypting;
    }

    /** Runs a step of the encrypting stream; if it fails, the blob can no longer be committed. */
    private void writing(IoStep step) throws IOException {
        boolean ok = false;
        try {
            step.run();
            ok = true;
        } finally {
            broken |= !ok;
        }
    }

    private interface IoStep {
        void run() throws IOException;
    }

    /** Counts plaintext on its way into the encrypting stream. */
    private final class CountingOutput extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            writing(() -> encrypting().write(b));
            bytesWritten++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writing(() -> encrypting().write(b, off, len));
            bytesWritten += len;
        }

        @Override
        public void flush() throws IOException {
            writing(() -> encrypting().flush());
        }

        /** Ends the plaintext; the blob still needs {@link PendingBlob#commit()}. */
        @Override
        public void close() throws IOException {
            writing(() -> encrypting().close());
        }
    }
}
