package dev.anneal.server.launch;

import dev.anneal.events.PreferenceRecord;
import dev.anneal.events.PreferenceRecord.Message;
import dev.anneal.events.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sustained feedback ingestion end to end (not a test; {@code bench/feedback-bench.sh} runs it):
 * produces pairwise judgements straight to {@link Topics#PREFERENCES} from this JVM, as fast as the
 * producer goes (or at {@code --rate} records/s), to one packaged server process running the
 * feedback role against an embedded PostgreSQL and Kafka broker, and waits until every record is a
 * row of {@code preference_feedback}. Then a bare {@link KafkaConsumer} (a group of its own) reads
 * the same records from the beginning of the topic, and the Markdown table puts the two side by
 * side: what storing costs beside merely reading. A warm-up of {@code --warmup} records is sent and
 * stored first and left out of the figures (the bare consumer reads it too). {@code
 * --rewrite-batched-inserts} gives the server's JDBC URL pgJDBC's {@code reWriteBatchedInserts}.
 *
 * <p>Latency is {@code received_at − created_at} per row: {@code created_at} is the produce time
 * set by this JVM (microseconds), {@code received_at} is stamped by the consumer inside the batch's
 * transaction, after the batch was polled and parsed and before its rows are inserted and committed
 * (so it leaves out the insert and commit of the row's own batch, and the offset commit after it).
 *
 * <pre>
 * java ... FeedbackIngestionBench [--records 200000] [--batch-size 500] [--rate 0]
 *     [--warmup 20000] [--rewrite-batched-inserts]
 * </pre>
 */
public final class FeedbackIngestionBench {

    private static final String ADMIN_KEY = "sk-admin-bench-0123456789";

    private FeedbackIngestionBench() {}

    public static void main(String[] args) throws Exception {
        int records = BenchApi.intArg(args, "--records", 200_000);
        int batchSize = BenchApi.intArg(args, "--batch-size", 0);
        int rate = BenchApi.intArg(args, "--rate", 0);
        int warmup = BenchApi.intArg(args, "--warmup", 20_000);
        boolean rewrite = List.of(args).contains("--rewrite-batched-inserts");
        Path dataDir = Files.createTempDirectory("anneal-feedback-bench-");
        ServerProcess server = null;
        try (EmbeddedInfrastructure infrastructure =
                EmbeddedInfrastructure.start(
                        new LaunchSettings(
                                dataDir,
                                Optional.empty(),
                                0,
                                Optional.empty(),
                                "localhost",
                                0,
                                0))) {
            Map<String, String> config = infrastructure.configuration();
            String bootstrap = config.get("anneal.kafka.bootstrap-servers");
            Map<String, String> env = ServerProcess.environmentFor(infrastructure, ADMIN_KEY);
            env.put("ANNEAL_ROLES", "api,feedback");
            env.put("QUARKUS_LOG_LEVEL", "WARN");
            if (batchSize > 0) {
                env.put("ANNEAL_FEEDBACK_BATCH_SIZE", String.valueOf(batchSize));
            }
            if (rewrite) {
                env.put(
                        "ANNEAL_DB_URL",
                        config.get("anneal.db.url") + "?reWriteBatchedInserts=true");
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
                    produce(bootstrap, tenant, warmup, 0);
                    while (count(db) < warmup) {
                        Thread.sleep(100);
                    }
                }
                String loadBefore = loadAverage();
                Instant measuredFrom = Instant.now();
                int target = warmup + records;
                long started = System.nanoTime();
                AtomicLong producedNanos = new AtomicLong();
                AtomicReference<Exception> produceFailure = new AtomicReference<>();
                Thread producer =
                        new Thread(
                                () -> {
                                    try {
                                        produce(bootstrap, tenant, records, rate);
                                        producedNanos.set(System.nanoTime() - started);
                                    } catch (Exception e) {
                                        produceFailure.set(e);
                                    }
                                },
                                "bench-producer");
                producer.start();
                long stored = 0;
                long lastReport = 0;
                while (stored < target) {
                    Thread.sleep(250); // count(*) costs the database CPU; keep it rare
                    if (produceFailure.get() != null) {
                        throw produceFailure.get();
                    }
                    stored = count(db);
                    long now = System.nanoTime();
                    if (now - lastReport > 5_000_000_000L) {
                        System.err.printf("%d/%d records stored%n", stored, target);
                        lastReport = now;
                    }
                }
                double endToEndSeconds = (System.nanoTime() - started) / 1e9;
                producer.join();
                String loadAfterStore = loadAverage();
                double[] latency = latencyMillis(db, measuredFrom);

                long readStarted = System.nanoTime();
                long read = readAll(bootstrap, target);
                double readSeconds = (System.nanoTime() - readStarted) / 1e9;
                String loadAfter = loadAverage();

                System.out.printf(
                        "| records | feedback batch size | end-to-end records/s | p50 ms | p99 ms"
                                + " | bare consumer records/s | end-to-end / bare | load average"
                                + " (1 min: before, after storing, after reading) |%n");
                System.out.printf("| --- | --- | --- | --- | --- | --- | --- | --- |%n");
                double endToEnd = records / endToEndSeconds;
                double bare = read / readSeconds;
                System.out.printf(
                        Locale.ROOT,
                        "| %,d | %s%s | %,.0f | %.0f | %.0f | %,.0f | %.3f | %s, %s, %s |%n",
                        records,
                        batchSize > 0 ? String.valueOf(batchSize) : "500 (default)",
                        rewrite ? ", reWriteBatchedInserts" : "",
                        endToEnd,
                        latency[0],
                        latency[1],
                        bare,
                        endToEnd / bare,
                        loadBefore.split(" ")[0],
                        loadAfterStore.split(" ")[0],
                        loadAfter.split(" ")[0]);
                System.out.printf(
                        Locale.ROOT,
                        "Producing took %.1f s (%,.0f records/s%s); storing all took %.1f s from"
                                + " the first send; the bare consumer read %,d records in %.1f s;"
                                + " mean latency %.0f ms, max %.0f ms; load average %s%n",
                        producedNanos.get() / 1e9,
                        records / (producedNanos.get() / 1e9),
                        rate > 0 ? ", limited to " + rate : "",
                        endToEndSeconds,
                        read,
                        readSeconds,
                        latency[2],
                        latency[3],
                        loadAfter);
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
    private static void produce(String bootstrap, String tenant, int records, int rate)
            throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-producer");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        List<Message> prompt = List.of(new Message("user", "Name a prime number below 100."));
        List<Message> chosen = List.of(new Message("assistant", "97 is prime."));
        List<Message> rejected = List.of(new Message("assistant", "91 is prime."));
        Map<String, String> metadata = Map.of("ui", "bench");
        long started = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            AtomicReference<Exception> failure = new AtomicReference<>();
            for (int i = 0; i < records; i++) {
                if (rate > 0) {
                    long due = started + (long) i * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                PreferenceRecord record =
                        new PreferenceRecord(
                                PreferenceRecord.SCHEMA,
                                UUID.randomUUID(),
                                tenant,
                                Instant.now(),
                                PreferenceRecord.PAIRWISE,
                                prompt,
                                chosen,
                                rejected,
                                "ft:anneal-nano:bench:x",
                                "anneal-nano",
                                null,
                                null,
                                null,
                                "annotator-" + (i % 50),
                                metadata);
                producer.send(
                        new ProducerRecord<>(Topics.PREFERENCES, tenant, record.toJson()),
                        (metadata1, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
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

    /** Reads the topic from the beginning in a new group until {@code records} came; the count. */
    private static long readAll(String bootstrap, int records) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
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

    /** p50, p99, mean and max of {@code received_at − created_at} in milliseconds. */
    private static double[] latencyMillis(Connection db, Instant from) throws Exception {
        String ms = "extract(epoch from (received_at - created_at)) * 1000";
        try (PreparedStatement statement =
                db.prepareStatement(
                        "select percentile_cont(0.5) within group (order by "
                                + ms
                                + "), percentile_cont(0.99) within group (order by "
                                + ms
                                + "), avg("
                                + ms
                                + "), max("
                                + ms
                                + ") from preference_feedback where created_at >= ?")) {
            statement.setObject(1, from.atOffset(ZoneOffset.UTC));
            ResultSet rows = statement.executeQuery();
            rows.next();
            return new double[] {
                rows.getDouble(1), rows.getDouble(2), rows.getDouble(3), rows.getDouble(4)
            };
        }
    }

    private static String loadAverage() throws Exception {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }
}
