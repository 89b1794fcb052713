package dev.anneal.store.blob;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hands writes to a background thread that performs them on the sink in order, so that producing
 * bytes (reading an upload) and consuming them (validating it; encrypting and writing it to disk)
 * run on different cores at once. At most {@value #DEPTH} chunks wait in between, so memory stays
 * bounded whatever the size of the stream.
 *
 * <p>One producer thread writes, then either {@link #close}s (everything written reaches the sink,
 * which is closed; a failure of the sink is thrown here) or {@link #abort}s (what is still queued
 * is dropped). A failure of the sink is also thrown by the next write.
 */
public final class PipelinedOutputStream extends OutputStream {

    /** The most chunks waiting for the worker; one more may be in its hands. */
    public static final int DEPTH = 4;

    private static final Runnable NOTHING = () -> {};
    private static final Chunk END = new Chunk(new byte[0], 0, NOTHING);

    /** Bytes {@code [0, length)} of {@code bytes}; {@code written} runs once the worker is done. */
    private record Chunk(byte[] bytes, int length, Runnable written) {}

    private final OutputStream sink;
    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(DEPTH);
    private final Thread worker;
    private volatile IOException failure;
    private volatile boolean aborted;
    private boolean closed;

    public PipelinedOutputStream(OutputStream sink, String threadName) {
        this.sink = sink;
        this.worker = new Thread(this::drain, threadName);
        worker.setDaemon(true);
        worker.start();
    }

    private void drain() {
        try {
            for (Chunk chunk = queue.take(); chunk != END; chunk = queue.take()) {
                if (failure == null && !aborted) {
                    try {
                        sink.write(chunk.bytes(), 0, chunk.length());
                    } catch (IOException | RuntimeException e) {
                        failure = e instanceof IOException io ? io : new IOException(e);
                    }
                }
                chunk.written().run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
        throwIfFailed();
        if (len > 0) {
            enqueue(new Chunk(Arrays.copyOfRange(b, off, off + len), len, NOTHING));
        }
    }

    /**
     * Writes {@code chunk[0, length)} without copying it: nobody may change those bytes until
     * {@code written} runs, which it does once the worker is done with them (written, skipped after
     * a failure, or dropped by {@link #abort}), so the caller can reuse the array then. Other
     * threads may read it meanwhile, so one copy can feed several streams.
     */
    public void writeOwned(byte[] chunk, int length, Runnable written) throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
        throwIfFailed();
        if (length > 0) {
            enqueue(new Chunk(chunk, length, written));
        } else {
            written.run();
        }
    }

    /** Waits for every queued chunk to reach the sink, then closes the sink. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        enqueue(END);
        join();
        throwIfFailed();
        sink.close();
    }

    /** Drops what is still queued and stops the worker; the sink is left to its owner. */
    public void abort() {
        if (closed) {
            return;
        }
        closed = true;
        aborted = true;
        List<Chunk> dropped = new ArrayList<>();
        queue.drainTo(dropped);
        dropped.forEach(chunk -> chunk.written().run());
        try {
            enqueue(END);
            join();
        } catch (InterruptedIOException e) {
            worker.interrupt();
        }
    }

    private void enqueue(Chunk chunk) throws InterruptedIOException {
        try {
            queue.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while writing");
        }
    }

    private void join() throws InterruptedIOException {
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while finishing the write");
        }
    }

    private void throwIfFailed() throws IOException {
        IOException e = failure;
        if (e != null) {
            throw new IOException("Writing failed: " + e.getMessage(), e);
        }
    }
}
