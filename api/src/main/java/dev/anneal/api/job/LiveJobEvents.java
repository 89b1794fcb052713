package dev.anneal.api.job;

import dev.anneal.events.JobEventRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands job events arriving live (from the Kafka topic, fed by the server's consumer) to the
 * streams following those jobs in this process.
 */
@ApplicationScoped
public class LiveJobEvents {

    private static final int BACKLOG = 10_000;

    private final Map<String, Set<Subscription>> byJob = new ConcurrentHashMap<>();

    /** Delivers one event to the streams of its job; never blocks. */
    public void deliver(JobEventRecord event) {
        Set<Subscription> subscriptions = byJob.get(event.jobId());
        if (subscriptions != null) {
            subscriptions.forEach(s -> s.queue.offer(event));
        }
    }

    /** Starts receiving a job's events; close the subscription when done. */
    Subscription subscribe(String jobId) {
        Subscription subscription = new Subscription(jobId);
        byJob.computeIfAbsent(jobId, id -> ConcurrentHashMap.newKeySet()).add(subscription);
        return subscription;
    }

    /** One stream's inbox. A full inbox drops events: the stream then reads them from the store. */
    final class Subscription implements AutoCloseable {

        private final String jobId;
        private final BlockingQueue<JobEventRecord> queue = new LinkedBlockingQueue<>(BACKLOG);

        private Subscription(String jobId) {
            this.jobId = jobId;
        }

        /** The next event, waiting up to {@code millis}; null if none came. */
        JobEventRecord poll(long millis) throws InterruptedException {
            return queue.poll(millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            byJob.computeIfPresent(
                    jobId,
                    (id, set) -> {
                        set.remove(this);
                        return set.isEmpty() ? null : set;
                    });
        }
    }
}
