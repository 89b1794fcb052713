package dev.anneal.serving.scheduler;

/** A submitted sequence, as its submitter sees it. Thread-safe. */
public interface Completion {

    /**
     * Stops the sequence: a waiting one leaves the queue at once, a running one at the start of the
     * next iteration, freeing its KV cache and its adapter lease; its listener hears nothing more.
     * Idempotent; does nothing once the sequence has ended.
     */
    void cancel();
}
