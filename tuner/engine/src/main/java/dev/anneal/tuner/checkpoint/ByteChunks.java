package dev.anneal.tuner.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of one file held in memory, such as a checkpoint unpacked from an encrypted archive, so
 * that its plaintext never touches the disk. Kept in chunks of at most 1 GiB, so a file may exceed
 * the 2 GiB of a Java array. Immutable once read; thread-safe.
 */
public final class ByteChunks {

    private static final int CHUNK = 1 << 30;

    private final List<byte[]> chunks;
    private final long size;

    private ByteChunks(List<byte[]> chunks, long size) {
        this.chunks = chunks;
        this.size = size;
    }

    /**
     * Reads a stream to its end; does not close it.
     *
     * @param in the stream
     * @return its bytes
     * @throws IOException if the stream cannot be read
     */
    public static ByteChunks readAll(InputStream in) throws IOException {
        List<byte[]> chunks = new ArrayList<>();
        long size = 0;
        while (true) {
            byte[] chunk = in.readNBytes(CHUNK);
            if (chunk.length > 0) {
                chunks.add(chunk);
                size += chunk.length;
            }
            if (chunk.length < CHUNK) {
                return new ByteChunks(List.copyOf(chunks), size);
            }
        }
    }

    /**
     * Wraps bytes already in memory, without copying them.
     *
     * @param bytes the bytes, not to be modified afterwards
     * @return the bytes as chunks
     */
    public static ByteChunks of(byte[] bytes) {
        return new ByteChunks(List.of(bytes), bytes.length);
    }

    /** The number of bytes. */
    public long size() {
        return size;
    }

    /**
     * The bytes in one array; for files under 2 GiB (JSON, a tokenizer) only.
     *
     * @return a copy of the bytes
     * @throws ArithmeticException if there are more than an array holds
     */
    public byte[] toByteArray() {
        byte[] all = new byte[Math.toIntExact(size)];
        int at = 0;
        for (byte[] chunk : chunks) {
            System.arraycopy(chunk, 0, all, at, chunk.length);
            at += chunk.length;
        }
        return all;
    }

    /** The bytes as UTF-8 text; for small files (JSON) only. */
    public String utf8() {
        return new String(toByteArray(), StandardCharsets.UTF_8);
    }

    /**
     * Fills a buffer's remaining space from a position.
     *
     * @param buffer the buffer to fill
     * @param position the first byte to copy
     * @return false if the bytes end before the buffer is full
     */
    boolean read(ByteBuffer buffer, long position) {
        long at = position;
        while (buffer.hasRemaining()) {
            if (at < 0 || at >= size) {
                return false;
            }
            byte[] chunk = chunks.get((int) (at / CHUNK));
            int offset = (int) (at % CHUNK);
            int length = Math.min(buffer.remaining(), chunk.length - offset);
            buffer.put(chunk, offset, length);
            at += length;
        }
        return true;
    }
}
