package dev.anneal.api.file;

import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A request's body as a blocking {@link InputStream}, read ahead by the event loop a window of
 * buffers at a time. The framework's own stream asks the event loop for one buffer at a time, so
 * the reading thread and the event loop wake each other for every buffer of an upload (thousands of
 * times for 256 MiB) and mostly take turns instead of running at once. Here the event loop keeps up
 * to {@value #WINDOW} buffers queued (each what one read of the socket returned, at most 64 KiB);
 * the reader asks for more once it has taken half of them, and either side wakes the other only
 * when that one waits.
 *
 * <p>Like the framework's stream it answers {@code Expect: 100-continue}, holds a body without a
 * declared length to the limit that {@code StreamedBodyLimit} set for its route, and gives up when
 * nothing arrives for the HTTP idle timeout. One reader thread; the handlers run on the event loop.
 */
final class RequestBodyStream extends InputStream {

    /** The most buffers queued ahead of the reader. */
    static final int WINDOW = 16;

    private final HttpServerRequest request;
    private final long limit;
    private final long timeoutMs;

    /** Guarded by {@code this}: what the event loop hands over. */
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>(WINDOW);

    private boolean ended;
    private Throwable failure;
    private boolean readerWaiting;

    /** The buffer being read, the reader's only, and the next byte of it. */
    private Buffer current;

    private int position;

    /** Buffers taken since more were asked for. */
    private int taken;

    private long bytes;

    /**
     * Starts reading the body of {@code request}, which no one else may read.
     *
     * @param limit the most bytes the body may hold, or 0 for no limit
     * @param timeout how long a read waits for the client before it fails
     */
    RequestBodyStream(HttpServerRequest request, long limit, Duration timeout) {
        this.request = request;
        this.limit = limit;
        this.timeoutMs = Math.max(1, timeout.toMillis());
        if (request.isEnded()) {
            ended = true;
            return;
        }
        if (request.connection() instanceof ConnectionBase connection
                && !connection.channel().isOpen()) {
            failure = new ClosedChannelException(); // closed before a handler could hear it
            return;
        }
        request.pause();
        if (request.version() == HttpVersion.HTTP_1_1
                && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            request.response().writeContinue(); // or curl waits a second before it sends
        }
        request.handler(this::received);
        request.endHandler(end -> ended());
        request.exceptionHandler(this::failed);
        request.fetch(WINDOW);
    }

    private synchronized void received(Buffer buffer) {
        queue.addLast(buffer);
        if (readerWaiting) {
            notifyAll();
        }
    }

    private synchronized void ended() {
        ended = true;
        notifyAll();
    }

    private synchronized void failed(Throwable cause) {
        failure = cause;
        notifyAll();
    }

    /** Asks the event loop for as many buffers as were taken since it was last asked. */
    private void askForMore() {
        try {
            request.fetch(taken);
            taken = 0;
        } catch (IllegalStateException endedMeanwhile) {
            // HTTP/2 refuses demand once the body has ended (HTTP/1.1 ignores it): none is needed
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (current == null || position == current.length()) {
            current = next();
            position = 0;
            if (current == null) {
                return -1;
            }
        }
        int n = Math.min(len, current.length() - position);
        current.getBytes(position, position + n, b, off);
        position += n;
        return n;
    }

    /** The next buffer, or null at the end of the body. */
    private Buffer next() throws IOException {
        Buffer next;
        boolean more;
        synchronized (this) {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while ((next = queue.pollFirst()) == null) {
                if (failure != null) {
                    throw new IOException("The request body could not be read", failure);
                }
                if (ended) {
                    return null;
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new IOException(
                            "Read timed out: nothing of the request body arrived for "
                                    + timeoutMs
                                    + " ms");
                }
                readerWaiting = true;
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("Interrupted while reading the request body");
                } finally {
                    readerWaiting = false;
                }
            }
            more = !ended && ++taken >= WINDOW / 2;
        }
        if (more) {
            askForMore();
        }
        bytes += next.length();
        if (limit > 0 && bytes > limit) {
            throw new ApiException(
                    413,
                    ErrorType.INVALID_REQUEST,
                    "The request body is larger than " + limit + " bytes.",
                    "file",
                    "request_too_large");
        }
        return next;
    }
}
