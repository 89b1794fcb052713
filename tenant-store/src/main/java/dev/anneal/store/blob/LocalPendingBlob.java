package dev.anneal.store.blob;

import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.PrivateFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link PendingBlob} of {@link LocalBlobStore}: ciphertext goes to a private pending file
 * through the encrypting stream, whose segment-sized writes (64 KiB) need no further buffering; the
 * commit forces it to disk and links it to its final name.
 */
final class LocalPendingBlob extends EncryptingPendingBlob {

    private final Path pending;
    private final Path target;
    private final FileChannel channel;

    LocalPendingBlob(Path pending, Path target, BlobKey key, DataKey dataKey) throws IOException {
        super(key, dataKey);
        this.pending = pending;
        this.target = target;
        this.channel = PrivateFiles.createNew(pending);
    }

    @Override
    OutputStream ciphertextSink() {
        return new ChannelSink(channel);
    }

    @Override
    void publish() throws IOException {
        channel.force(true);
        channel.close();
        PrivateFiles.publish(pending, target);
    }

    @Override
    void discard() {
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

    /** Writes to the channel and leaves it open, so that the commit can force it to disk. */
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
