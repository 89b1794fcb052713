package dev.anneal.bench.server;

import dev.anneal.events.KafkaSettings;
import dev.anneal.events.PreferenceRecord;
import dev.anneal.events.PreferenceRecord.Message;
import dev.anneal.events.Topics;
import dev.anneal.server.launch.EmbeddedInfrastructure;
import dev.anneal.server.launch.LaunchSettings;
import dev.anneal.server.launch.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sustained feedback ingestion end to end (not a test; {@code bench/feedback-bench.sh} runs it):
 * produces pairwise judgements straight to {@link Topics#PREFERENCES} from this JVM, as fast as the
 * producer goes (or at {@code --rate} records/s), to one packaged server process running the
 * feedback role against an embedded PostgreSQL and Kafka broker, and waits until every record is a
 * row of {@code preference_feedback}. Then a bare {@link KafkaConsumer} (a group of its own) reads
 * the same records from the beginning of the topic, and the Markdown table puts the two side by
 * side: what storing costs beside merely reading.
 *
 * <p>Without {@code --rate} the records are a backlog when the timing starts: while they are
 * produced, a transaction of this JVM holds {@code preference_feedback} in exclusive mode, so the
 * consumer's {@code COPY} waits (with at most two batches in hand) and the producer's work is done
 * before the drain is timed, from the lock's release to the last record's commit. With {@code
 * --rate} the records are produced while the consumer stores them, and the latency columns count.
 *
 * <p>A warm-up of {@code --warmup} records is sent and stored first and left out of the figures
 * (the bare consumer reads it too); it is long because the JIT compilers of both JVMs otherwise
 * take a good part of the two cores during the run.
 *
 * <p>Latency is from produce to commit, per record: from just before this JVM's {@code send} to the
 * first moment an {@link Admin} client, asking every 20 ms, sees the group's committed offset of
 * the record's partition past the record. The consumer commits offsets only after the database
 * committed the batch's rows, so this is an upper bound of produce-to-stored (by up to the polling
 * interval and one admin request). End-to-end records/s counts from the first send (or the
 * backlog's release) to the last record's commit; at the end {@code count(*)} of the table must
 * equal every record sent.
 *
 * <pre>
 * java ... FeedbackIngestionBench [--records 600000] [--batch-size N] [--rate 0] [--warmup 200000]
 * </pre>
 */
public final class FeedbackIngestionBench {

    private static final String ADMIN_KEY = "sk-admin-bench-0123456789";

    /** A rate-limited producer checks its schedule every this many records. */
    private static final int RATE_STEP = 100;

    private FeedbackIngestionBench() {}

    public static void main(String[] args) throws Exception {
        int records = BenchApi.intArg(args, "--records", 600_000);
        int batchSize = BenchApi.intArg(args, "--batch-size", 0);
        int rate = BenchApi.intArg(args, "--rate", 0);
        int warmup = BenchApi.intArg(args, "--warmup", 200_000);
        Path dataDir = Files.createTempDirectory("anneal-feedback-bench-");
        ServerProcess server = null;
        try (EmbeddedInfrastructure infrastructure =
                EmbeddedInfrastructure.start(LaunchSettings.embeddedIn(dataDir))) {
            Map<String, String> config = infrastructure.configuration();
            KafkaSettings bootstrap = infrastructure.kafkaSettings();
            Map<String, String> env = ServerProcess.environmentFor(infrastructure, ADMIN_KEY);
            env.put("ANNEAL_ROLES", "api,feedback");
            env.put("QUARKUS_LOG_LEVEL", "WARN");
            if (batchSize > 0) {
                env.put("ANNEAL_FEEDBACK_BATCH_SIZE", String.valueOf(batchSize));
            }
            server = ServerProcess.start(dataDir, "768m", env);
            server.awaitReady(Duration.ofMinutes(2));
            String tenant =
                    BenchApi.post(
                                    server.baseUri(),
                                    ADMIN_KEY,
                                    "/v1/admin/tenants",
                                    "{\"name\":\"bench\"}")
                            .get("id")
                            .asText();

            try (Connection db =
                    DriverManager.getConnection(
                            config.get("anneal.db.url"),
                            config.get("anneal.db.user"),
                            config.get("anneal.db.password"))) {
                if (warmup > 0) {
                    System.err.printf("Warm-up: %d records%n", warmup);
                    produce(bootstrap, tenant, warmup, 0, new Sends());
                    while (count(db) < warmup) {
                        Thread.sleep(100);
                    }
                }
                String loadBefore = loadAverage();
                int target = warmup + records;
                Sends sends = new Sends();
                long started;
                try (CommitWatch commits = CommitWatch.start(bootstrap)) {
                    double producedSeconds;
                    if (rate > 0) {
                        started = System.nanoTime();
                        produce(bootstrap, tenant, records, rate, sends);
                        producedSeconds = (sends.lastSendNanos() - started) / 1e9;
                    } else {
                        try (Connection holder =
                                DriverManager.getConnection(
                                        config.get("anneal.db.url"),
                                        config.get("anneal.db.user"),
                                        config.get("anneal.db.password"))) {
                            holder.setAutoCommit(false);
                            try (Statement lock = holder.createStatement()) {
                                // reads go on; the consumer's COPY waits for the lock
                                lock.execute("lock table preference_feedback in exclusive mode");
                            }
                            long producing = System.nanoTime();
                            produce(bootstrap, tenant, records, 0, sends);
                            producedSeconds = (sends.lastSendNanos() - producing) / 1e9;
                            System.err.printf(
                                    "Backlog of %d records produced; draining%n", records);
                            started = System.nanoTime();
                            holder.commit();
                        }
                    }
                    commits.awaitPast(sends.nextOffsets(), Duration.ofMinutes(10));
                    double endToEndSeconds = (commits.lastChangeNanos() - started) / 1e9;
                    long stored = count(db);
                    if (stored != target) {
                        throw new IllegalStateException(
                                "Offsets committed, but " + stored + " rows, not " + target);
                    }
                    String loadAfterStore = loadAverage();
                    double[] latency = sends.latencyMillis(commits);

                    long readStarted = System.nanoTime();
                    long read = readAll(bootstrap, target);
                    double readSeconds = (System.nanoTime() - readStarted) / 1e9;
                    String loadAfter = loadAverage();

                    System.out.printf(
                            "| records | feedback batch size | end-to-end records/s | p50 ms |"
                                    + " p99 ms | bare consumer records/s | end-to-end / bare |"
                                    + " load average (1 min: before, after storing, after reading)"
                                    + " |%n");
                    System.out.printf("| --- | --- | --- | --- | --- | --- | --- | --- |%n");
                    double endToEnd = records / endToEndSeconds;
                    double bare = read / readSeconds;
                    System.out.printf(
                            Locale.ROOT,
                            "| %,d%s | %s | %,.0f | %s | %s | %,.0f | %.3f | %s, %s, %s |%n",
                            records,
                            rate > 0 ? String.format(Locale.ROOT, " at %,d/s", rate) : " backlog",
                            batchSize > 0 ? String.valueOf(batchSize) : "default",
                            endToEnd,
                            rate > 0 ? String.format(Locale.ROOT, "%.0f", latency[0]) : "–",
                            rate > 0 ? String.format(Locale.ROOT, "%.0f", latency[1]) : "–",
                            bare,
                            endToEnd / bare,
                            loadBefore.split(" ")[0],
                            loadAfterStore.split(" ")[0],
                            loadAfter.split(" ")[0]);
                    System.out.printf(
                            Locale.ROOT,
                            "Producing took %.1f s (%,.0f records/s%s); storing took %.1f s"
                                    + " from %s; the bare consumer read %,d records in %.1f s;"
                                    + " latency from send to commit: mean %.0f ms, max %.0f ms;"
                                    + " load average %s%n",
                            producedSeconds,
                            records / producedSeconds,
                            rate > 0 ? ", limited to " + rate : "",
                            endToEndSeconds,
                            rate > 0 ? "the first send" : "the backlog's release",
                            read,
                            readSeconds,
                            latency[2],
                            latency[3],
                            loadAfter);
                }
            }
        } finally {
            if (server != null) {
                server.close();
            }
            ServerProcess.deleteTree(dataDir);
        }
    }

    /**
     * Sends {@code records} judgements, each stamped with its send time, and waits for all acks.
     */
    private static void produce(
            KafkaSettings bootstrap, String tenant, int records, int rate, Sends sends)
            throws Exception {
        Map<String, Object> config = bootstrap.producer("bench-producer");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        RecordTemplate template = new RecordTemplate(tenant);
        SplittableRandom random = new SplittableRandom();
        long started = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            AtomicReference<Exception> failure = new AtomicReference<>();
            for (int i = 0; i < records; i++) {
                if (rate > 0 && i % RATE_STEP == 0) {
                    long due = started + (long) i * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                UUID eventId =
                        new UUID(
                                (random.nextLong() & ~0xF000L) | 0x4000L,
                                (random.nextLong() & ~(3L << 62)) | (2L << 62));
                long sentAt = System.nanoTime();
                producer.send(
                        new ProducerRecord<>(
                                Topics.PREFERENCES,
                                template.key(),
                                template.json(eventId, Instant.now(), i % 50)),
                        (acked, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                sends.acked(acked.partition(), acked.offset(), sentAt);
                            }
                        });
                if (failure.get() != null) {
                    throw failure.get();
                }
            }
            producer.flush();
            if (failure.get() != null) {
                throw failure.get();
            }
        }
    }

    /**
     * One pairwise judgement serialised once by {@link PreferenceRecord#toJson()} with stand-ins
     * for the event id, the time and the annotator, which each record fills in: the producer's own
     * cost per record stays small on a machine it shares with what it measures.
     */
    private static final class RecordTemplate {
        private static final UUID EVENT_ID =
                new UUID(0x1111_1111_1111_4111L, 0x8111_1111_1111_1111L);
        private static final Instant CREATED_AT = Instant.parse("2001-01-01T01:01:01.111111Z");
        private static final String ANNOTATOR = "annotator-stand-in";

        private final String tenant;
        private final String[] parts;

        RecordTemplate(String tenant) {
            this.tenant = tenant;
            String json =
                    new String(
                            new PreferenceRecord(
                                            PreferenceRecord.SCHEMA,
                                            EVENT_ID,
                                            tenant,
                                            CREATED_AT,
                                            PreferenceRecord.PAIRWISE,
                                            List.of(
                                                    new Message(
                                                            "user",
                                                            "Name a prime number below 100.")),
                                            List.of(new Message("assistant", "97 is prime.")),
                                            List.of(new Message("assistant", "91 is prime.")),
                                            "ft:anneal-nano:bench:x",
                                            "anneal-nano",
                                            null,
                                            null,
                                            null,
                                            ANNOTATOR,
                                            Map.of("ui", "bench"))
                                    .toJson(),
                            StandardCharsets.UTF_8);
            this.parts =
                    json.split(
                            Pattern.quote(EVENT_ID.toString())
                                    + "|"
                                    + Pattern.quote(CREATED_AT.toString())
                                    + "|"
                                    + Pattern.quote(ANNOTATOR),
                            -1);
            int id = json.indexOf(EVENT_ID.toString());
            int time = json.indexOf(CREATED_AT.toString());
            if (parts.length != 4 || !(id < time && time < json.indexOf(ANNOTATOR))) {
                throw new IllegalStateException("Unexpected field order in " + json);
            }
        }

        /** The record's key: the tenant id, as the API keys them. */
        byte[] key() {
            return tenant.getBytes(StandardCharsets.UTF_8);
        }

        byte[] json(UUID eventId, Instant createdAt, int annotator) {
            return (parts[0]
                            + eventId
                            + parts[1]
                            + createdAt
                            + parts[2]
                            + "annotator-"
                            + annotator
                            + parts[3])
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Reads the topic from the beginning in a new group until {@code records} came; the count. */
    private static long readAll(KafkaSettings bootstrap, int records) {
        Map<String, Object> config = bootstrap.consumer("bench-bare");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-bare-" + UUID.randomUUID());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        long read = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.PREFERENCES));
            while (read < records && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                read += batch.count();
            }
        }
        return read;
    }

    private static long count(Connection db) throws Exception {
        try (Statement statement = db.createStatement();
                ResultSet rows =
                        statement.executeQuery("select count(*) from preference_feedback")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Every acknowledged record's partition, offset and send time (nanoTime). */
    private static final class Sends {

        private final Map<Integer, List<long[]>> byPartition = new HashMap<>();
        private long lastSendNanos;

        synchronized void acked(int partition, long offset, long sentAt) {
            byPartition
                    .computeIfAbsent(partition, p -> new ArrayList<>())
                    .add(new long[] {offset, sentAt});
            lastSendNanos = Math.max(lastSendNanos, sentAt);
        }

        synchronized long lastSendNanos() {
            return lastSendNanos;
        }

        /** Per partition, the offset after its last record. */
        synchronized Map<Integer, Long> nextOffsets() {
            Map<Integer, Long> next = new HashMap<>();
            byPartition.forEach(
                    (partition, sent) ->
                            next.put(
                                    partition,
                                    sent.stream().mapToLong(r -> r[0]).max().orElse(-1) + 1));
            return next;
        }

        /** p50, p99, mean and max of produce-to-commit in milliseconds. */
        synchronized double[] latencyMillis(CommitWatch commits) {
            double[] millis = new double[byPartition.values().stream().mapToInt(List::size).sum()];
            int i = 0;
            for (Map.Entry<Integer, List<long[]>> partition : byPartition.entrySet()) {
                for (long[] sent : partition.getValue()) {
                    long committed = commits.firstPast(partition.getKey(), sent[0]);
                    millis[i++] = (committed - sent[1]) / 1e6;
                }
            }
            Arrays.sort(millis);
            return new double[] {
                percentile(millis, 0.50),
                percentile(millis, 0.99),
                Arrays.stream(millis).average().orElse(0),
                millis[millis.length - 1]
            };
        }

        private static double percentile(double[] sorted, double p) {
            return sorted[(int) Math.round(p * (sorted.length - 1))];
        }
    }

    private static String loadAverage() throws Exception {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }
}
