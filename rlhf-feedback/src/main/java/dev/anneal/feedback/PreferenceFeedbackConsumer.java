package dev.anneal.feedback;

import dev.anneal.events.InvalidPreferenceException;
import dev.anneal.events.KafkaSettings;
import dev.anneal.events.PreferenceRecord;
import dev.anneal.events.ReliableProducer;
import dev.anneal.events.Topics;
import dev.anneal.store.LogFields;
import dev.anneal.store.Roles;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The feedback role: reads {@link Topics#PREFERENCES} in consumer group {@value #GROUP}, one batch
 * per poll, and for each batch (1) stores the valid records in one transaction, (2) sends the
 * invalid ones to {@link Topics#PREFERENCES_DLQ} and commits the batch's offsets in one Kafka
 * transaction. A crash anywhere before (2) reads the batch again, which stores nothing twice (event
 * ids are unique per tenant); nothing is committed that is not stored or dead-lettered.
 *
 * <p>Batches overlap: up to {@code anneal.feedback.stores} of them are being stored at once (on
 * threads of their own, each in its own transaction) while the consumer thread polls and checks the
 * next. Once the oldest is stored, it is committed. Offsets are still committed in order, each only
 * after the rows of its batch and of every batch before it.
 *
 * <p>While a step fails (the database or Kafka is down) the consumer pauses its partitions, keeps
 * polling to stay in its group, and retries with exponential backoff up to {@code
 * anneal.feedback.max-backoff}. A rebalance while batches are in hand gives them up: their records
 * are read again by whichever consumer owns their partitions next.
 *
 * <p>Runs on one thread of its own when {@code anneal.roles} holds {@code feedback} or {@code all}.
 */
@ApplicationScoped
public class PreferenceFeedbackConsumer {

    /** The consumer group of every feedback process. */
    public static final String GROUP = "anneal-feedback";

    private static final Logger LOG = Logger.getLogger(PreferenceFeedbackConsumer.class);
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long SHUTDOWN_WAIT_MS = 10_000;

    private final FeedbackSettings settings;
    private final KafkaSettings kafkaSettings;
    private final Roles roles;
    private final FeedbackWriter writer;
    private final FeedbackMetrics metrics;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    /** Made by the consumer thread, before it subscribes. */
    private volatile KafkaProducer<byte[], byte[]> deadLetters;

    private ExecutorService stores;
    private Thread thread;
    private volatile boolean stopping;
    private volatile boolean died;
    private volatile Instant failingSince;

    /** Set by the rebalance listener when partitions are taken away; read after each poll. */
    private boolean revoked;

    @Inject
    PreferenceFeedbackConsumer(
            FeedbackSettings settings,
            KafkaSettings kafkaSettings,
            Roles roles,
            FeedbackWriter writer,
            FeedbackMetrics metrics) {
        this.settings = settings;
        this.kafkaSettings = kafkaSettings;
        this.roles = roles;
        this.writer = writer;
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent startup) {
        if (!roles.runs(Roles.FEEDBACK)) {
            return;
        }
        stores =
                Executors.newFixedThreadPool(
                        settings.stores(),
                        task -> {
                            Thread store = new Thread(task, "anneal-feedback-store");
                            store.setDaemon(true);
                            return store;
                        });
        thread = new Thread(this::run, "anneal-feedback-consumer");
        thread.setDaemon(true);
        thread.start();
        LOG.infof(
                "Feedback role: consuming %s as group %s",
                Topics.PREFERENCE_TOPICS.pattern(), GROUP);
    }

    /** Whether this process runs the consumer. */
    boolean enabled() {
        return thread != null;
    }

    /** Whether the consumer thread stopped on an unexpected error. */
    boolean died() {
        return died;
    }

    /** Since when the batch in hand has kept failing, or {@code null} while all is well. */
    Instant failingSince() {
        return failingSince;
    }

    /**
     * The producer of dead letters: they and the batch's offsets are committed together, in one
     * transaction.
     */
    private static KafkaProducer<byte[], byte[]> deadLetterProducer(KafkaSettings kafkaSettings) {
        Map<String, Object> config = ReliableProducer.config(kafkaSettings, "anneal-feedback-dlq");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.DLQ_MAX_MESSAGE_BYTES);
        config.put(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "anneal-feedback-dlq-" + UUID.randomUUID());
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void run() {
        Map<String, Object> config = kafkaSettings.consumer("anneal-feedback");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.batchSize());
        int sessionTimeoutMs = (int) settings.sessionTimeout().toMillis();
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeoutMs);
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(1, sessionTimeoutMs / 3));
        // a tenant's new topic is subscribed to within this (the pattern is matched on metadata)
        config.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 10_000);
        try (KafkaConsumer<byte[], byte[]> kafka =
                new KafkaConsumer<>(
                        config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = kafka;
            // here, not in start: the application's start does not wait for the broker's
            // transaction coordinator, and a stop closes the producer to end a wait for it
            deadLetters = deadLetterProducer(kafkaSettings);
            deadLetters.initTransactions();
            kafka.subscribe(Topics.PREFERENCE_TOPICS, new Rebalances());
            Deque<Batch> inHand = new ArrayDeque<>(); // stored or being stored, oldest first
            while (!stopping) {
                ConsumerRecords<byte[], byte[]> records =
                        kafka.poll(inHand.isEmpty() ? POLL : Duration.ZERO);
                metrics.lag(lag(kafka));
                boolean rebalanced = revoked;
                revoked = false;
                Batch next = records.isEmpty() ? null : new Batch(records);
                if (rebalanced && !inHand.isEmpty()) {
                    giveUp(kafka, inHand, next);
                    next = null;
                }
                advance(kafka, inHand, next);
                kafka.resume(kafka.paused());
            }
        } catch (WakeupException | InterruptedException e) {
            // shutting down; what was in hand is read again at the next start
        } catch (RuntimeException e) {
            if (!stopping) {
                died = true;
                LOG.errorf(e, "The feedback consumer stopped");
            }
        }
    }

    /**
     * Starts storing {@code next}, if any, once fewer than {@code anneal.feedback.stores} batches
     * are in hand: until then, and when there is no next batch, waits until the oldest is stored,
     * then dead-letters and commits it. Batches given up (a failure that outlasted a rebalance, or
     * shutdown) leave {@code inHand} empty.
     */
    private void advance(KafkaConsumer<byte[], byte[]> kafka, Deque<Batch> inHand, Batch next)
            throws InterruptedException {
        try {
            while (!inHand.isEmpty() && (next == null || inHand.size() >= settings.stores())) {
                commit(kafka, inHand.peekFirst());
                inHand.removeFirst();
                if (next == null) {
                    break; // nothing new: one commit per poll keeps the group's heartbeat going
                }
            }
            if (next != null) {
                next.startStoring();
                inHand.addLast(next);
            }
        } catch (BatchGivenUp e) {
            giveUp(kafka, inHand, next);
        }
    }

    /** Waits until {@code batch} is stored, then dead-letters and commits it. */
    private void commit(KafkaConsumer<byte[], byte[]> kafka, Batch batch)
            throws InterruptedException {
        FeedbackWriter.Outcome outcome = retrying(kafka, "store", batch::stored);
        metrics.stored(outcome.stored());
        metrics.duplicates(outcome.duplicates());
        batch.invalid.addAll(outcome.unknownTenants());
        retrying(
                kafka,
                "dead-letter and commit offsets",
                () -> deadLetterAndCommit(kafka, batch.records, batch.invalid));
    }

    /**
     * Abandons the batches in hand and {@code next} (oldest first): waits for stores still running,
     * then moves each partition this consumer still owns back to its first uncommitted record.
     */
    private void giveUp(KafkaConsumer<byte[], byte[]> kafka, Deque<Batch> inHand, Batch next) {
        List<Batch> batches = new ArrayList<>(inHand);
        if (next != null) {
            batches.add(next);
        }
        inHand.clear();
        Set<TopicPartition> owned = kafka.assignment();
        Set<TopicPartition> rewound = new HashSet<>();
        for (Batch batch : batches) {
            LOG.infof(
                    "Gave up %d records in hand (partitions revoked, a failure or shutdown);"
                            + " they will be read again",
                    batch.records.count());
            batch.settle();
            for (TopicPartition partition : batch.records.partitions()) {
                if (owned.contains(partition) && rewound.add(partition)) {
                    kafka.seek(partition, batch.records.records(partition).get(0).offset());
                }
            }
        }
        revoked = false;
    }

    private static byte[] value(ConsumerRecord<byte[], byte[]> record) {
        return record.value() == null ? new byte[0] : record.value();
    }

    /**
     * In one Kafka transaction, sends the dead letters and commits the batch's offsets: a crash
     * before the commit leaves neither (read_committed readers never see the aborted letters), so
     * the batch is read again and every invalid record is dead-lettered exactly once.
     */
    private Void deadLetterAndCommit(
            KafkaConsumer<byte[], byte[]> kafka,
            ConsumerRecords<byte[], byte[]> records,
            List<DeadLetter> letters) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> in = records.records(partition);
            ConsumerRecord<byte[], byte[]> last = in.get(in.size() - 1);
            next.put(partition, new OffsetAndMetadata(last.offset() + 1, last.leaderEpoch(), ""));
        }
        deadLetters.beginTransaction();
        try {
            for (DeadLetter letter : letters) {
                deadLetters.send(letter.toProducerRecord(Topics.PREFERENCES_DLQ));
            }
            deadLetters.sendOffsetsToTransaction(next, kafka.groupMetadata());
            deadLetters.commitTransaction();
        } catch (ProducerFencedException e) {
            throw e;
        } catch (KafkaException e) {
            deadLetters.abortTransaction();
            throw e;
        }
        for (DeadLetter letter : letters) {
            metrics.deadLettered(letter.reason());
            byte[] key = letter.source().key();
            // records are keyed by their tenant's id: the log line carries it like every other
            MDC.put(
                    LogFields.TENANT_ID,
                    key == null ? "" : new String(key, StandardCharsets.UTF_8));
            try {
                LOG.warnf(
                        "Dead-lettered %s-%d offset %d (%s): %s",
                        letter.source().topic(),
                        letter.source().partition(),
                        letter.source().offset(),
                        letter.reason(),
                        letter.message());
            } finally {
                MDC.remove(LogFields.TENANT_ID);
            }
        }
        return null;
    }

    /**
     * Runs {@code step} until it succeeds. Between attempts the partitions are paused and the
     * consumer keeps polling (its heartbeat in the group) for the backoff's length.
     *
     * @throws BatchGivenUp when partitions were revoked meanwhile, or the process stops
     */
    private <T> T retrying(KafkaConsumer<byte[], byte[]> kafka, String what, Callable<T> step)
            throws InterruptedException {
        long backoffMs = FIRST_BACKOFF_MS;
        while (true) {
            try {
                T result = step.call();
                failingSince = null;
                return result;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                if (stopping) {
                    throw new BatchGivenUp();
                }
                if (failingSince == null) {
                    failingSince = Instant.now();
                }
                LOG.warnf("Feedback batch: %s failed, retrying in %d ms: %s", what, backoffMs, e);
                kafka.pause(kafka.assignment());
                rewind(kafka, kafka.poll(Duration.ofMillis(backoffMs)));
                if (revoked || stopping) {
                    throw new BatchGivenUp();
                }
                backoffMs = Math.min(backoffMs * 2, settings.maxBackoff().toMillis());
            }
        }
    }

    /** Moves the partitions of {@code records} that this consumer still owns back to them. */
    private static void rewind(
            KafkaConsumer<byte[], byte[]> kafka, ConsumerRecords<byte[], byte[]> records) {
        Set<TopicPartition> owned = kafka.assignment();
        for (TopicPartition partition : records.partitions()) {
            if (owned.contains(partition)) {
                kafka.seek(partition, records.records(partition).get(0).offset());
            }
        }
    }

    private static long lag(KafkaConsumer<byte[], byte[]> kafka) {
        long sum = 0;
        for (TopicPartition partition : kafka.assignment()) {
            OptionalLong lag = kafka.currentLag(partition);
            if (lag.isPresent()) {
                sum += lag.getAsLong();
            }
        }
        return sum;
    }

    void stop(@Observes ShutdownEvent shutdown) throws InterruptedException {
        if (thread == null) {
            return;
        }
        stopping = true;
        KafkaConsumer<byte[], byte[]> kafka = consumer;
        if (kafka != null) {
            kafka.wakeup();
        }
        thread.join(SHUTDOWN_WAIT_MS);
        stores.shutdown();
        KafkaProducer<byte[], byte[]> producer = deadLetters;
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** One poll's records, checked, on their way to the database and then to the commit. */
    private final class Batch {
        final ConsumerRecords<byte[], byte[]> records;
        final List<FeedbackWriter.Valid> valid;
        final List<DeadLetter> invalid = new ArrayList<>();
        private Future<FeedbackWriter.Outcome> storing;

        Batch(ConsumerRecords<byte[], byte[]> records) {
            this.records = records;
            this.valid = new ArrayList<>(records.count());
            Instant receivedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                try {
                    PreferenceRecord parsed =
                            PreferenceRecord.fromTopic(record.topic(), value(record));
                    valid.add(
                            new FeedbackWriter.Valid(
                                    record, FeedbackWriter.row(parsed, receivedAt)));
                } catch (InvalidPreferenceException e) {
                    invalid.add(DeadLetter.of(record, e));
                }
            }
        }

        /** Starts the first attempt to store the valid records, on the store thread. */
        void startStoring() {
            storing = stores.submit(() -> writer.store(valid));
        }

        /** The first attempt's outcome once it is done; each later call is a new attempt. */
        FeedbackWriter.Outcome stored() throws Exception {
            Future<FeedbackWriter.Outcome> first = storing;
            if (first == null) {
                return writer.store(valid);
            }
            storing = null;
            try {
                return first.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }

        /** Waits for an attempt still running, whatever comes of it. */
        void settle() {
            if (storing == null) {
                return;
            }
            try {
                storing.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // given up anyway
            }
            storing = null;
        }
    }

    /** The batch in hand is abandoned; its uncommitted records will be read again. */
    private static final class BatchGivenUp extends RuntimeException {
        BatchGivenUp() {
            super(null, null, false, false);
        }
    }

    private final class Rebalances implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                revoked = true;
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    }
}
