package dev.anneal.api.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.auth.KeyWatch;
import dev.anneal.api.error.ErrorResponse;
import dev.anneal.api.error.ErrorType;
import dev.anneal.events.JobEventRecord;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.job.JobEvent;
import dev.anneal.store.job.JobEventLog;
import dev.anneal.store.job.JobRepository;
import dev.anneal.store.tenant.CurrentTenant;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Live job-event streams of this process, without a thread or a database poll per stream.
 *
 * <p>Events reach the streams of their job from the Kafka feed ({@link #deliver}). Each stream is a
 * small actor: what it receives goes to its inbox, and a drain on a shared pool of two threads
 * sends the next events in order, reading the store only to catch up (at the start, after a gap in
 * what the feed delivered, or when the inbox overflowed). Since the feed may lag or stop, one sweep
 * every {@value #SWEEP_SECONDS} s asks the store, in a single query for all followed jobs, where
 * each stands: a stream behind it catches up, one whose job ended finishes, and one that has been
 * quiet for 15 s gets a keep-alive comment. A stream ends with {@code data: [DONE]} after its job's
 * last event (written as the job ends, with the final status in its data).
 */
@ApplicationScoped
public class LiveJobEvents {

    private static final Logger LOG = Logger.getLogger(LiveJobEvents.class);
    private static final int INBOX = 10_000;
    private static final int CATCH_UP_BATCH = 500;
    static final long SWEEP_SECONDS = 5;
    private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);

    /** Events a slow client may have pending before its stream is cut off. */
    private static final int CLIENT_BUFFER = 10_000;

    private final JobRepository jobs;
    private final JobEventLog log;
    private final CurrentTenant currentTenant;
    private final ObjectMapper json;
    private final KeyWatch keyWatch;
    private final Map<String, Set<Follower>> byJob = new ConcurrentHashMap<>();
    private final ExecutorService drains =
            Executors.newFixedThreadPool(2, r -> daemon(r, "anneal-event-streams"));
    private final ScheduledExecutorService sweeper =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "anneal-event-sweep"));

    @Inject
    LiveJobEvents(
            JobRepository jobs,
            JobEventLog log,
            CurrentTenant currentTenant,
            ObjectMapper json,
            KeyWatch keyWatch) {
        this.keyWatch = keyWatch;
        this.jobs = jobs;
        this.log = log;
        this.currentTenant = currentTenant;
        this.json = json;
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        sweeper.shutdownNow();
        drains.shutdownNow();
    }

    /**
     * Whether a stream in this process follows {@code jobId}: events of no other job need reading.
     */
    public boolean follows(String jobId) {
        return byJob.containsKey(jobId);
    }

    /** Hands one event from the feed to the streams of its job; never blocks. */
    public void deliver(JobEventRecord event) {
        Set<Follower> followers = byJob.get(event.jobId());
        if (followers != null) {
            JobEventObject object = JobEventObject.of(event);
            followers.forEach(f -> f.offer(object));
        }
    }

    /**
     * A job's events after {@code afterSeq} from the store, then each as it happens, as server-sent
     * events; {@code onEnd} runs once when the stream ends, however it ends (the job's end, the
     * client leaving, an error).
     */
    Multi<OutboundSseEvent> follow(
            String tenantId, String keyId, String jobId, int afterSeq, Sse sse, Runnable onEnd) {
        return Multi.createFrom()
                .<OutboundSseEvent>emitter(
                        emitter -> {
                            Follower follower =
                                    new Follower(tenantId, jobId, afterSeq, sse, emitter);
                            KeyWatch.Watch watch = keyWatch.watch(keyId, follower::keyRevoked);
                            byJob.computeIfAbsent(jobId, id -> ConcurrentHashMap.newKeySet())
                                    .add(follower);
                            emitter.onTermination(
                                    () -> {
                                        follower.done = true;
                                        watch.close();
                                        unregister(follower);
                                        onEnd.run();
                                    });
                            follower.schedule();
                        },
                        CLIENT_BUFFER);
    }

    private void unregister(Follower follower) {
        byJob.computeIfPresent(
                follower.jobId,
                (id, set) -> {
                    set.remove(follower);
                    return set.isEmpty() ? null : set;
                });
    }

    /** Asks the store where every followed job stands, once for all, and nudges those behind. */
    private void sweep() {
        try {
            if (byJob.isEmpty()) {
                return;
            }
            Map<String, JobEventLog.Progress> progress =
                    UnitOfWork.call(() -> log.progress(List.copyOf(byJob.keySet())));
            long now = System.nanoTime();
            for (Set<Follower> followers : byJob.values()) {
                for (Follower follower : followers) {
                    JobEventLog.Progress mark = progress.get(follower.jobId);
                    if (mark == null || mark.ended() || mark.lastSeq() > follower.last) {
                        follower.needsCatchUp = true;
                        follower.schedule();
                    } else if (now - follower.lastWrite > KEEP_ALIVE_NANOS) {
                        follower.keepAlive();
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("Could not check the followed jobs: %s", e.getMessage());
        }
    }

    /** One open stream. */
    private final class Follower {

        private final String tenantId;
        private final String jobId;
        private final Sse sse;
        private final MultiEmitter<? super OutboundSseEvent> emitter;
        private final Queue<JobEventObject> inbox = new ConcurrentLinkedQueue<>();
        private final AtomicInteger inboxSize = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();

        /** The number of the last event sent; touched by the drain only. */
        private volatile int last;

        private volatile boolean needsCatchUp = true;
        private volatile boolean done;
        private volatile long lastWrite = System.nanoTime();

        Follower(
                String tenantId,
                String jobId,
                int afterSeq,
                Sse sse,
                MultiEmitter<? super OutboundSseEvent> emitter) {
            this.tenantId = tenantId;
            this.jobId = jobId;
            this.last = afterSeq;
            this.sse = sse;
            this.emitter = emitter;
        }

        void offer(JobEventObject event) {
            if (inboxSize.incrementAndGet() > INBOX) {
                inboxSize.decrementAndGet();
                needsCatchUp = true; // dropped: the store has it
            } else {
                inbox.add(event);
            }
            schedule();
        }

        void schedule() {
            if (!done && scheduled.compareAndSet(false, true)) {
                drains.execute(this::drain);
            }
        }

        private void drain() {
            try {
                JobEventObject event;
                while (!done && (event = inbox.poll()) != null) {
                    inboxSize.decrementAndGet();
                    if (event.seq() == last + 1) {
                        send(event);
                    } else if (event.seq() > last + 1) {
                        needsCatchUp = true; // the feed skipped some: read them from the store
                        catchUp();
                        if (event.seq() == last + 1) {
                            send(event);
                        }
                    }
                }
                if (!done && needsCatchUp) {
                    catchUp();
                }
            } catch (RuntimeException e) {
                LOG.warnf("Event stream of job %s failed: %s", jobId, e.getMessage());
                done = true;
                emitter.fail(e);
            } finally {
                scheduled.set(false);
                if (!done && (!inbox.isEmpty() || needsCatchUp)) {
                    schedule();
                }
            }
        }

        /** Sends what the store holds after {@link #last}; finishes if the job has ended. */
        private void catchUp() {
            needsCatchUp = false;
            UnitOfWork.run(
                    () -> {
                        currentTenant.set(tenantId);
                        List<JobEvent> events;
                        do {
                            events = jobs.eventsSince(jobId, last, CATCH_UP_BATCH);
                            for (JobEvent event : events) {
                                if (done) {
                                    return;
                                }
                                send(JobEventObject.of(event));
                            }
                        } while (events.size() == CATCH_UP_BATCH);
                        if (!done && jobs.get(jobId).status().isFinal()) {
                            finish(); // ended before its last event carried the status
                        }
                    });
        }

        private void send(JobEventObject event) {
            emit(sse.newEventBuilder().data(toJson(event)).build());
            last = event.seq();
            if (event.endsJob()) {
                finish();
            }
        }

        private void finish() {
            emit(sse.newEventBuilder().data("[DONE]").build());
            done = true;
            emitter.complete();
        }

        /** The stream's key stopped working: an error event, and the stream ends. */
        void keyRevoked() {
            try {
                emit(
                        sse.newEventBuilder()
                                .data(
                                        json.writeValueAsString(
                                                ErrorResponse.of(
                                                        "The API key of this stream was revoked"
                                                                + " or expired.",
                                                        ErrorType.AUTHENTICATION,
                                                        null,
                                                        "invalid_api_key")))
                                .build());
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
            done = true;
            emitter.complete();
        }

        void keepAlive() {
            emit(sse.newEventBuilder().comment("keep-alive").build());
        }

        private void emit(OutboundSseEvent event) {
            if (!done) {
                emitter.emit(event);
                lastWrite = System.nanoTime();
            }
        }

        private String toJson(JobEventObject event) {
            try {
                return json.writeValueAsString(event);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
