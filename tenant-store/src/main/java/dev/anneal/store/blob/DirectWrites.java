package dev.anneal.store.blob;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Appends to a file around the page cache ({@code O_DIRECT}): bytes gather in an aligned buffer
 * outside the heap, and each full buffer goes to the disk straight from it. The kernel then neither
 * copies the bytes into its cache nor writes them back later, which for a large upload was a fifth
 * of the server's CPU, and a force at the end has only the tail and the metadata left.
 *
 * <p>Such writes must start at a multiple of the file system's block size and cover whole blocks;
 * the tail that does not fill one is written at {@link #finish} through an ordinary channel of the
 * same file. Where the file system refuses {@code O_DIRECT} (tmpfs, some network file systems)
 * {@link #open} answers null and the caller writes through the cache.
 *
 * <p>Not thread-safe: one thread writes one file. Buffers ({@value #BUFFER_SIZE} bytes) are kept
 * for the next file, a few at most.
 */
final class DirectWrites implements Closeable {

    static final int BUFFER_SIZE = 1 << 20;

    private static final BlockingQueue<ByteBuffer> SPARE = new ArrayBlockingQueue<>(4);

    private final FileChannel channel;
    private final int alignment;
    private ByteBuffer buffer;
    private long position;

    private DirectWrites(FileChannel channel, int alignment) {
        this.channel = channel;
        this.alignment = alignment;
        this.buffer = buffer(alignment);
    }

    /**
     * Opens {@code file}, which exists and is empty, for writes around the page cache; null where
     * the file system does not allow them.
     */
    static DirectWrites open(Path file) {
        long blockSize;
        try {
            blockSize = Files.getFileStore(file).getBlockSize();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
        if (blockSize <= 0 || blockSize > BUFFER_SIZE || BUFFER_SIZE % blockSize != 0) {
            return null;
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            return null; // EINVAL: this file system does not do O_DIRECT
        }
        return new DirectWrites(channel, (int) blockSize);
    }

    /** Appends {@code len} bytes of {@code bytes}; writes out each buffer as it fills. */
    void write(byte[] bytes, int off, int len) throws IOException {
        ensureOpen();
        while (len > 0) {
            int n = Math.min(len, buffer.remaining());
            buffer.put(bytes, off, n);
            off += n;
            len -= n;
            if (!buffer.hasRemaining()) {
                writeOut(buffer.position());
            }
        }
    }

    /**
     * Writes what is buffered: its whole blocks around the cache, the rest through {@code tail} (an
     * ordinary channel of the same file); then closes.
     */
    void finish(FileChannel tail) throws IOException {
        ensureOpen();
        int filled = buffer.position();
        writeOut(filled - filled % alignment);
        buffer.flip();
        while (buffer.hasRemaining()) {
            position += tail.write(buffer, position);
        }
        close();
    }

    /** Writes the buffer's first {@code bytes} (whole blocks) and keeps the rest at its start. */
    private void writeOut(int bytes) throws IOException {
        if (bytes == 0) {
            return;
        }
        int filled = buffer.position();
        buffer.flip().limit(bytes);
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
        buffer.limit(filled);
        buffer.compact();
    }

    private void ensureOpen() throws IOException {
        if (buffer == null) {
            throw new ClosedChannelException();
        }
    }

    /** Closes the channel and gives the buffer back; what was not written is dropped. */
    @Override
    public void close() throws IOException {
        if (buffer == null) {
            return;
        }
        ByteBuffer spare = buffer;
        buffer = null;
        try {
            channel.close();
        } finally {
            SPARE.offer(spare.clear());
        }
    }

    /** A spare buffer aligned to {@code alignment}, or a new one. */
    private static ByteBuffer buffer(int alignment) {
        ByteBuffer spare = SPARE.poll();
        if (spare != null && spare.alignmentOffset(0, alignment) == 0) {
            return spare;
        }
        return ByteBuffer.allocateDirect(BUFFER_SIZE + alignment)
                .alignedSlice(alignment)
                .limit(BUFFER_SIZE)
                .slice();
    }
}
