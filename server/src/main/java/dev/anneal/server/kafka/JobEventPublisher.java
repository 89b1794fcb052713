package dev.anneal.server.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.events.JobEventRecord;
import dev.anneal.events.KafkaSettings;
import dev.anneal.events.ReliableProducer;
import dev.anneal.events.Topics;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.job.JobEvent;
import dev.anneal.store.job.JobEventOutbox;
import dev.anneal.store.job.WakeUpChannels;
import dev.anneal.store.job.WakeUps;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Relays stored job events to {@link Topics#JOB_EVENTS} (keyed by job id, as {@link JobEventRecord}
 * JSON) from the outbox ({@link JobEventOutbox}): one process at a time, in the order they were
 * stored, each batch marked published only after Kafka acknowledged it ({@code acks=all},
 * idempotent producer). While Kafka is unreachable the events wait in the database; nothing is
 * lost.
 *
 * <p>The relay does not poll the table: a notification wakes it when events are added ({@link
 * WakeUps#JOB_EVENT_ADDED}), so an idle platform does no work here and a quiet job's event leaves
 * at once. While events keep coming, relays start at least {@value #MIN_GAP_MS} ms apart, so that
 * they are gathered into batches rather than each paying for a transaction; without a notification
 * it looks anyway every {@value #FALLBACK_POLL_MS} ms, in case one was missed.
 */
@ApplicationScoped
public class JobEventPublisher {

    private static final Logger LOG = Logger.getLogger(JobEventPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 500;
    private static final long MIN_GAP_MS = 100;
    private static final long FALLBACK_POLL_MS = 5_000;
    private static final long RETRY_MS = 2000;

    private final KafkaSettings settings;
    private final JobEventOutbox outbox;
    private final WakeUpChannels wakeUpChannels;
    private KafkaProducer<String, byte[]> producer;
    private WakeUps wakeUps;
    private Thread thread;
    private volatile boolean stopping;

    @Inject
    JobEventPublisher(
            KafkaSettings settings, JobEventOutbox outbox, WakeUpChannels wakeUpChannels) {
        this.settings = settings;
        this.outbox = outbox;
        this.wakeUpChannels = wakeUpChannels;
    }

    void start(@Observes StartupEvent startup) {
        Map<String, Object> config = ReliableProducer.config(settings, "anneal-job-events");
        producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        wakeUps = wakeUpChannels.listen(WakeUps.JOB_EVENT_ADDED);
        thread = new Thread(this::run, "anneal-job-event-relay");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!stopping) {
            try {
                long seen = wakeUps.generation();
                long started = System.nanoTime();
                int relayed = UnitOfWork.call(() -> outbox.relay(BATCH, this::publish));
                if (relayed < BATCH) {
                    wakeUps.awaitAfter(seen, Duration.ofMillis(FALLBACK_POLL_MS));
                    long since = (System.nanoTime() - started) / 1_000_000;
                    if (since < MIN_GAP_MS) {
                        Thread.sleep(MIN_GAP_MS - since);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                LOG.warnf("Job events not relayed to Kafka yet, retrying: %s", e.getMessage());
                try {
                    Thread.sleep(RETRY_MS);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Sends a batch and returns once every record is acknowledged; throws if any is not. */
    private void publish(List<JobEvent> events) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(events.size());
        for (JobEvent event : events) {
            JobEventRecord record =
                    new JobEventRecord(
                            JobEventRecord.SCHEMA,
                            event.id(),
                            event.tenantId(),
                            event.jobId(),
                            event.jobSeq(),
                            event.createdAt(),
                            event.level(),
                            event.type(),
                            event.message(),
                            data(event.data()));
            sent.add(
                    producer.send(
                            new ProducerRecord<>(
                                    Topics.JOB_EVENTS, event.jobId(), record.toJson())));
        }
        producer.flush();
        try {
            for (Future<RecordMetadata> future : sent) {
                future.get();
            }
        } catch (ExecutionException e) {
            throw new KafkaException("Kafka refused a job event", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while publishing job events", e);
        }
    }

    private static JsonNode data(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    void stop(@Observes ShutdownEvent shutdown) throws InterruptedException {
        stopping = true;
        if (wakeUps != null) {
            wakeUps.close();
        }
        if (thread != null) {
            thread.join(5_000);
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
