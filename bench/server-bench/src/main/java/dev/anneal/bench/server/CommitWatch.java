package dev.anneal.bench.server;

import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import dev.anneal.feedback.PreferenceFeedbackConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Watches the committed offsets of the feedback consumer group on {@link Topics#PREFERENCES},
 * asking every {@value #EVERY_MS} ms, and remembers when each partition's offset moved: the moment
 * a record counts as committed, for {@link FeedbackIngestionBench}'s latencies.
 */
final class CommitWatch implements AutoCloseable {

    private static final long EVERY_MS = 20;

    private final Admin admin;
    private final Thread thread;
    private volatile boolean closed;
    private RuntimeException failure;

    /** Per partition: pairs of (nanoTime seen, committed offset), offsets increasing. */
    private final Map<Integer, List<long[]>> seen = new HashMap<>();

    private long lastChangeNanos;

    private CommitWatch(Admin admin) {
        this.admin = admin;
        this.thread = new Thread(this::run, "bench-commit-watch");
        thread.setDaemon(true);
    }

    static CommitWatch start(KafkaSettings kafka) {
        CommitWatch watch = new CommitWatch(Admin.create(kafka.admin()));
        watch.thread.start();
        return watch;
    }

    private void run() {
        try {
            while (!closed) {
                Map<TopicPartition, OffsetAndMetadata> offsets =
                        admin.listConsumerGroupOffsets(PreferenceFeedbackConsumer.GROUP)
                                .partitionsToOffsetAndMetadata()
                                .get();
                long now = System.nanoTime();
                synchronized (this) {
                    offsets.forEach(
                            (partition, committed) -> {
                                if (committed != null
                                        && partition.topic().equals(Topics.PREFERENCES)) {
                                    observe(partition.partition(), committed.offset(), now);
                                }
                            });
                    notifyAll();
                }
                Thread.sleep(EVERY_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            synchronized (this) {
                failure = new IllegalStateException("Watching committed offsets failed", e);
                notifyAll();
            }
        }
    }

    private void observe(int partition, long offset, long now) {
        List<long[]> history = seen.computeIfAbsent(partition, p -> new ArrayList<>());
        if (history.isEmpty() || history.get(history.size() - 1)[1] < offset) {
            history.add(new long[] {now, offset});
            lastChangeNanos = now;
        }
    }

    /** Waits until every partition's committed offset reached {@code next} (partition → offset). */
    synchronized void awaitPast(Map<Integer, Long> next, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = System.nanoTime();
        while (!reached(next)) {
            if (failure != null) {
                throw failure;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("Offsets " + next + " not committed in time");
            }
            wait(Math.min(left / 1_000_000 + 1, 1000));
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                System.err.printf("committed offsets %s of %s%n", committed(), next);
                lastReport = System.nanoTime();
            }
        }
    }

    private boolean reached(Map<Integer, Long> next) {
        Map<Integer, Long> committed = committed();
        return next.entrySet().stream()
                .allMatch(e -> committed.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }

    private Map<Integer, Long> committed() {
        Map<Integer, Long> committed = new HashMap<>();
        seen.forEach((partition, history) -> committed.put(partition, last(history)[1]));
        return committed;
    }

    /** When the last offset change was seen (nanoTime). */
    synchronized long lastChangeNanos() {
        return lastChangeNanos;
    }

    /** When the partition's committed offset was first seen past {@code offset} (nanoTime). */
    synchronized long firstPast(int partition, long offset) {
        List<long[]> history = seen.get(partition);
        int low = 0;
        int high = history.size() - 1;
        if (history.isEmpty() || last(history)[1] <= offset) {
            throw new IllegalStateException("Offset " + offset + " was never committed");
        }
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (history.get(mid)[1] > offset) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return history.get(low)[0];
    }

    private static long[] last(List<long[]> history) {
        return history.get(history.size() - 1);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(5_000);
        admin.close(Duration.ofSeconds(5));
    }
}
