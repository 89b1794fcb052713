package dev.anneal.store.blob;

import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.PrivateFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A {@link PendingBlob} of {@link LocalBlobStore}: ciphertext goes to a private pending file; the
 * commit forces it to disk and links it to its final name.
 *
 * <p>Where the file system allows it, the ciphertext bypasses the page cache ({@link DirectWrites},
 * {@code O_DIRECT}): the disk reads it straight from an aligned buffer, so that the CPU does not
 * copy every byte into the cache and write it back later, and the commit's force has almost nothing
 * left to do. Elsewhere (tmpfs, for one) the writes go through the page cache, and every {@value
 * #FLUSH_EVERY} bytes a flusher thread forces what was written so far to disk while the writes go
 * on, so that the disk works during a long upload rather than only at its commit. A flush that
 * fails fails the commit.
 */
final class LocalPendingBlob extends EncryptingPendingBlob {

    static final long FLUSH_EVERY = 32L * 1024 * 1024;

    private static final ExecutorService FLUSHERS =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread thread = new Thread(r, "anneal-blob-flush");
                        thread.setDaemon(true);
                        return thread;
                    });

    private final Path pending;
    private final Path target;
    private final FileChannel channel;
    private final DirectWrites direct;
    private long unflushed;
    private Future<?> flushing = CompletableFuture.completedFuture(null);

    LocalPendingBlob(Path pending, Path target, BlobKey key, DataKey dataKey, boolean bypassCache)
            throws IOException {
        super(key, dataKey);
        this.pending = pending;
        this.target = target;
        this.channel = PrivateFiles.createNew(pending);
        this.direct = bypassCache ? DirectWrites.open(pending) : null;
    }

    @Override
    OutputStream ciphertextSink() {
        return new CiphertextSink();
    }

    /** Starts a background flush once enough is written and the previous one has ended. */
    private void wrote(int bytes) throws IOException {
        unflushed += bytes;
        if (unflushed >= FLUSH_EVERY && flushing.isDone()) {
            awaitFlush();
            unflushed = 0;
            flushing =
                    FLUSHERS.submit(
                            () -> {
                                channel.force(false);
                                return null;
                            });
        }
    }

    /** Waits for the flush in flight; its failure is thrown here. */
    private void awaitFlush() throws IOException {
        try {
            flushing.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io
                    ? io
                    : new IOException("Could not flush pending blob " + pending, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while flushing " + pending);
        }
    }

    @Override
    void publish() throws IOException {
        if (direct != null) {
            direct.finish(channel);
        } else {
            awaitFlush();
        }
        channel.force(true);
        channel.close();
        PrivateFiles.publish(pending, target);
    }

    @Override
    void discard() {
        try {
            try (FileChannel closing = channel) {
                if (direct != null) {
                    direct.close();
                }
            } finally {
                Files.deleteIfExists(pending);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not discard pending blob " + pending, e);
        }
    }

    /**
     * Hands the ciphertext to {@link DirectWrites}, or writes it to the channel; leaves both open
     * for the commit, which writes the tail, forces the file to disk and closes them.
     */
    private final class CiphertextSink extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (direct != null) {
                direct.write(b, off, len);
                return;
            }
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            wrote(len);
        }

        @Override
        public void close() {
            // The pending blob closes the channels at its commit or discard.
        }
    }
}
