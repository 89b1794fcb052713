package dev.anneal.store.blob;

import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.PrivateFiles;
import dev.anneal.store.crypto.SegmentedAesGcm;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link PendingBlob} of {@link LocalBlobStore}: ciphertext goes to a private pending file
 * through the encrypting stream, whose segment-sized writes (64 KiB) need no further buffering.
 */
final class LocalPendingBlob implements PendingBlob {

    private final Path pending;
    private final Path target;
    private final FileChannel channel;
    private final OutputStream encrypting;
    private final OutputStream output = new CountingOutput();
    private long bytesWritten;
    private boolean committed;
    private boolean closed;
    private boolean broken;

    LocalPendingBlob(Path pending, Path target, DataKey dataKey, String blobId) throws IOException {
        this.pending = pending;
        this.target = target;
        this.channel = PrivateFiles.createNew(pending);
        this.encrypting = SegmentedAesGcm.encrypt(dataKey, blobId, new ChannelSink(channel));
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public long bytesWritten() {
        return bytesWritten;
    }

    @Override
    public void commit() throws IOException {
        if (committed) {
            throw new IllegalStateException("Blob " + target.getFileName() + " already committed.");
        }
        if (closed) {
            throw new IllegalStateException("Blob " + target.getFileName() + " was discarded.");
        }
        if (broken) {
            throw new IOException(
                    "Writing blob "
                            + target.getFileName()
                            + " failed earlier; it cannot be committed.");
        }
        encryptingCall(encrypting::close);
        channel.force(true);
        channel.close();
        PrivateFiles.publish(pending, target);
        committed = true;
    }

    @Override
    public void close() {
        if (committed || closed) {
            return;
        }
        closed = true;
        try {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(pending);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not discard pending blob " + pending, e);
        }
    }

    /** Runs a step of the encrypting stream; if it fails, the blob can no longer be committed. */
    private void encryptingCall(IoStep step) throws IOException {
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
            encryptingCall(() -> encrypting.write(b));
            bytesWritten++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            encryptingCall(() -> encrypting.write(b, off, len));
            bytesWritten += len;
        }

        @Override
        public void flush() throws IOException {
            encryptingCall(encrypting::flush);
        }

        /** Ends the plaintext; the blob still needs {@link PendingBlob#commit()}. */
        @Override
        public void close() throws IOException {
            encryptingCall(encrypting::close);
        }
    }

    /** Writes to the channel and leaves it open, so that commit can force it to disk. */
    private static final class ChannelSink extends OutputStream {

        private final FileChannel channel;

        ChannelSink(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        public void close() {
            // The pending blob closes the channel after forcing it.
        }
    }
}
