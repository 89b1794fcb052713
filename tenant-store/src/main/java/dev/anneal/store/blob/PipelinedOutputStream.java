package dev.anneal.store.blob;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
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

    private static final int DEPTH = 4;
    private static final byte[] END = new byte[0];

    private final OutputStream sink;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(DEPTH);
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
            for (byte[] chunk = queue.take(); chunk != END; chunk = queue.take()) {
                if (failure == null && !aborted) {
                    try {
                        sink.write(chunk);
                    } catch (IOException | RuntimeException e) {
                        failure = e instanceof IOException io ? io : new IOException(e);
                    }
                }
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
            enqueue(Arrays.copyOfRange(b, off, off + len));
        }
    }

    /**
     * Writes all of {@code chunk} without copying it: the caller hands it over and nobody may
     * change it afterwards; other threads may read it, so one copy can feed several streams.
     */
    public void writeOwned(byte[] chunk) throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
        throwIfFailed();
        if (chunk.length > 0) {
            enqueue(chunk);
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
        queue.clear();
        try {
            enqueue(END);
            join();
        } catch (InterruptedIOException e) {
            worker.interrupt();
        }
    }

    private void enqueue(byte[] chunk) throws InterruptedIOException {
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
