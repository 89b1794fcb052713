package dev.anneal.server.standalone;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Starts an embedded server on a thread of its own, so that standalone mode's parts start side by
 * side, and hands back what it started, or its failure as it was thrown.
 */
public final class BackgroundStart {

    /** Starts a server; may fail with an I/O error or an unchecked exception. */
    public interface Starter<T> {
        T start() throws IOException;
    }

    private BackgroundStart() {}

    /** Runs {@code starter} on a new thread called {@code threadName}. */
    public static <T> CompletableFuture<T> run(String threadName, Starter<T> starter) {
        CompletableFuture<T> started = new CompletableFuture<>();
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                started.complete(starter.start());
                            } catch (Throwable e) {
                                started.completeExceptionally(e);
                            }
                        },
                        threadName);
        thread.start();
        return started;
    }

    /**
     * Waits for the start; what it started, or the start's own failure as it was thrown.
     *
     * @throws IOException or the unchecked exception or error the start failed with
     */
    public static <T> T join(CompletableFuture<T> started) throws IOException {
        try {
            return started.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        }
    }
}
