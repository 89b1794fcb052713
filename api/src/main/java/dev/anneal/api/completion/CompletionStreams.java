package dev.anneal.api.completion;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The threads every completion stream of this process shares: two that turn engine events into
 * chunks, one that ticks each stream every second. Streams hold none while they wait.
 */
@ApplicationScoped
class CompletionStreams {

    private final ExecutorService drains =
            Executors.newFixedThreadPool(2, r -> daemon(r, "anneal-completion-streams"));
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "anneal-completion-ticks"));

    ExecutorService drains() {
        return drains;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
        drains.shutdownNow();
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
