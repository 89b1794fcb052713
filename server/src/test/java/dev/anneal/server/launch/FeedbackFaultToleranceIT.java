package dev.anneal.server.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.anneal.events.Topics;
import dev.anneal.server.standalone.EmbeddedKafkaBroker;
import dev.anneal.server.standalone.EmbeddedPostgresServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Point 4 of the feedback issue, under faults: 100,000 judgements, 10% of them sent twice with the
 * same event id (the second copy by the other way in) and 1% invalid, through the API and through
 * Debian's {@code kcat} (an independent Kafka client), while the consumer process is killed with
 * SIGKILL twice and PostgreSQL is stopped for 10 s. At the end the database holds exactly the
 * distinct valid judgements and the dead-letter topic exactly the invalid ones. And rebalances with
 * batches in hand: see the second test.
 */
class FeedbackFaultToleranceIT {

    private static final String ADMIN_KEY = "sk-admin-faults-0123456789";
    private static final int RECORDS = 100_000;
    private static final int CHUNKS = 10;
    private static final int API_BATCH = 1000;

    private final HttpClient http = HttpClient.newHttpClient();
    private Path dataDir;
    private String kcat;
    private EmbeddedPostgresServer postgres;
    private EmbeddedKafkaBroker kafka;
    private ServerProcess api;
    private ServerProcess consumer;
    private ServerProcess secondConsumer;

    @AfterEach
    void stopEverything() throws Exception {
        for (ServerProcess process : new ServerProcess[] {consumer, secondConsumer, api}) {
            if (process != null) {
                process.close();
            }
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (dataDir != null) {
            ServerProcess.deleteTree(dataDir);
        }
    }

    @Test
    void shouldLoseNothingAndStoreNothingTwiceWhenConsumersAreKilledAndTheDatabaseIsDown()
            throws Exception {
        kcat = kcatCommand();
        String missing =
                "needs Debian's kcat (apt-get install kafkacat) as the independent Kafka client;"
                        + " .ci/run installs it";
        if (System.getenv("CI") != null) {
            assertThat(kcat).as(missing).isNotNull(); // in CI a missing client is a failure
        }
        assumeTrue(kcat != null, missing);
        Map<String, String> env = startInfrastructure();
        consumer = startConsumer(env);

        String tenant = newTenant("faults");
        String key =
                post("/v1/admin/tenants/" + tenant + "/api_keys", ADMIN_KEY, "")
                        .replaceAll("(?s).*\"key\"\\s*:\\s*\"([^\"]+)\".*", "$1");

        Set<String> invalid = new HashSet<>();
        int valid = 0;
        int perChunk = RECORDS / CHUNKS;
        for (int chunk = 0; chunk < CHUNKS; chunk++) {
            List<String> viaApi = new ArrayList<>();
            StringBuilder viaKcat = new StringBuilder();
            for (int i = chunk * perChunk; i < (chunk + 1) * perChunk; i++) {
                String eventId = UUID.nameUUIDFromBytes(("event-" + i).getBytes()).toString();
                if (i % 100 == 0) {
                    invalid.add(eventId);
                    viaKcat.append(tenant)
                            .append('\t')
                            .append(invalidRecord(eventId, tenant))
                            .append('\n');
                    continue;
                }
                valid++;
                String apiRecord = record(eventId, null);
                String topicRecord = record(eventId, tenant);
                boolean apiFirst = i % 2 == 0;
                if (apiFirst) {
                    viaApi.add(apiRecord);
                } else {
                    viaKcat.append(tenant).append('\t').append(topicRecord).append('\n');
                }
                if (i % 10 == 5) { // 10%: the same judgement again, by the other way in
                    if (apiFirst) {
                        viaKcat.append(tenant).append('\t').append(topicRecord).append('\n');
                    } else {
                        viaApi.add(apiRecord);
                    }
                }
            }
            kcat(viaKcat.toString());
            for (int from = 0; from < viaApi.size(); from += API_BATCH) {
                submit(key, viaApi.subList(from, Math.min(viaApi.size(), from + API_BATCH)));
            }
            if (chunk == 2 || chunk == 7) {
                assertThat(consumer.stop("KILL")).isEqualTo(137);
                consumer = startConsumer(env);
            }
            if (chunk == 5) {
                int port = postgres.port();
                postgres.close();
                Thread.sleep(10_000);
                postgres = EmbeddedPostgresServer.start(dataDir.resolve("postgres"), port);
            }
        }

        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        long stored = 0;
        while (System.nanoTime() < deadline && (stored = storedCount(tenant)) < valid) {
            Thread.sleep(500);
        }
        Thread.sleep(3000); // anything more would be a duplicate: give it the chance to show
        assertThat(storedCount(tenant)).isEqualTo(valid);
        assertThat(deadLetteredEventIds(invalid.size()))
                .containsExactlyInAnyOrderElementsOf(invalid);
    }

    /**
     * Batches in hand when the partitions are taken away: one consumer drains a backlog of three
     * tenants' judgements (1% invalid) in tiny batches; a second joins the group mid-stream and
     * later leaves it. Each rebalance gives up the first consumer's batches in hand (its log says
     * so), which are read again; the database ends with exactly the valid judgements and the
     * dead-letter topic with exactly the invalid ones.
     */
    @Test
    void shouldReadBatchesInHandAgainWhenConsumersJoinAndLeave() throws Exception {
        Map<String, String> env = startInfrastructure();
        env.put("ANNEAL_FEEDBACK_BATCH_SIZE", "20"); // slow: still draining when the second joins
        List<String> tenants = List.of(newTenant("a"), newTenant("b"), newTenant("c"));
        int records = 30_000;
        Set<String> invalid = new HashSet<>();
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(
                        withLinger(kafka.clientSettings().producer("fault-test")),
                        new StringSerializer(),
                        new StringSerializer())) {
            for (int i = 0; i < records; i++) {
                String tenant = tenants.get(i % tenants.size());
                String eventId = UUID.randomUUID().toString();
                String value = record(eventId, tenant);
                if (i % 100 == 7) {
                    invalid.add(eventId);
                    value = invalidRecord(eventId, tenant);
                }
                producer.send(new ProducerRecord<>(Topics.PREFERENCES, tenant, value));
            }
        }
        int valid = records - invalid.size();

        consumer = startConsumer(env);
        awaitStored(tenants, 3_000);
        secondConsumer = startConsumer(env); // joins: a rebalance
        awaitStored(tenants, 15_000);
        secondConsumer.stop("TERM"); // leaves: another
        awaitStored(tenants, valid);

        Thread.sleep(3000); // anything more would be a duplicate: give it the chance to show
        assertThat(tenants.stream().mapToLong(this::storedCount).sum()).isEqualTo(valid);
        assertThat(deadLetteredEventIds(invalid.size()))
                .containsExactlyInAnyOrderElementsOf(invalid);
        assertThat(consumer.output()).contains("Gave up");
    }

    /** Starts PostgreSQL, Kafka and an API process; the environment of a server process. */
    private Map<String, String> startInfrastructure() throws Exception {
        dataDir = Files.createTempDirectory("anneal-faults-");
        postgres = EmbeddedPostgresServer.start(dataDir.resolve("postgres"), 0);
        kafka = EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), "localhost", 0, 0);
        Map<String, String> env = new HashMap<>();
        env.put("ANNEAL_DB_URL", postgres.jdbcUrl());
        env.put("ANNEAL_DB_USER", postgres.username());
        env.put("ANNEAL_DB_PASSWORD", postgres.password());
        env.putAll(ServerProcess.environmentOf(kafka.clientConfiguration()));
        env.put("ANNEAL_ADMIN_KEY", ADMIN_KEY);
        env.put("ANNEAL_MASTER_KEY", Base64.getEncoder().encodeToString(new byte[32]));
        env.put("ANNEAL_FEEDBACK_MAX_BACKOFF", "2s");
        api = ServerProcess.start(dataDir, "512m", with(env, "ANNEAL_ROLES", "api"));
        api.awaitReady(Duration.ofMinutes(2));
        return env;
    }

    private String newTenant(String name) throws Exception {
        return post("/v1/admin/tenants", ADMIN_KEY, "{\"name\":\"" + name + "\"}")
                .replaceAll("(?s).*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    }

    /** Waits up to 3 minutes until the tenants hold at least {@code rows} judgements together. */
    private void awaitStored(List<String> tenants, long rows) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (tenants.stream().mapToLong(this::storedCount).sum() < rows) {
            assertThat(System.nanoTime() < deadline)
                    .as("%d judgements stored in time", rows)
                    .isTrue();
            Thread.sleep(200);
        }
    }

    /** {@code kcat}, or its older name {@code kafkacat}, if either is installed. */
    private static String kcatCommand() {
        for (String name : List.of("kcat", "kafkacat")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return name;
                }
            }
        }
        return null;
    }

    private ServerProcess startConsumer(Map<String, String> env) throws Exception {
        ServerProcess process =
                ServerProcess.start(dataDir, "512m", with(env, "ANNEAL_ROLES", "feedback"));
        process.awaitReady(Duration.ofMinutes(2));
        return process;
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> copy = new HashMap<>(env);
        copy.put(key, value);
        return copy;
    }

    private static String record(String eventId, String tenant) {
        return "{"
                + (tenant == null
                        ? ""
                        : "\"tenant_id\":\""
                                + tenant
                                + "\",\"created_at\":\""
                                + Instant.now()
                                + "\",")
                + "\"event_id\":\""
                + eventId
                + "\",\"type\":\"pairwise\",\"prompt\":[{\"role\":\"user\",\"content\":\"Pick one\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"A\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"B\"}],"
                + "\"chosen_model\":\"m1\",\"rejected_model\":\"m2\",\"annotator_id\":\"ann\"}";
    }

    /** A record that breaks the schema: a pairwise judgement without its rejected answer. */
    private static String invalidRecord(String eventId, String tenant) {
        return record(eventId, tenant)
                .replace(",\"rejected\":[{\"role\":\"assistant\",\"content\":\"B\"}]", "");
    }

    private void kcat(String lines) throws Exception {
        Path file = Files.createTempFile(dataDir, "kcat-", ".txt");
        Files.writeString(file, lines);
        List<String> command = new ArrayList<>(List.of(kcat, "-P"));
        command.addAll(kafka.kcatOptions());
        command.addAll(
                List.of(
                        "-t",
                        Topics.PREFERENCES,
                        "-K",
                        "\t",
                        "-X",
                        "enable.idempotence=true",
                        "-l",
                        file.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue())
                .as(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        Files.delete(file);
    }

    /** Posts a batch until it is accepted (202): a repeat is harmless, the ids decide. */
    private void submit(String key, List<String> records) throws Exception {
        String body = "[" + String.join(",", records) + "]";
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(URI.create(api.baseUri() + "/v1/feedback"))
                                    .header("Authorization", "Bearer " + key)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 202) {
                return;
            }
            assertThat(attempt).as("POST /v1/feedback: " + response.body()).isLessThan(60);
            Thread.sleep(500);
        }
    }

    private String post(String path, String key, String json) throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(api.baseUri() + path))
                                .header("Authorization", "Bearer " + key)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return response.body();
    }

    private long storedCount(String tenant) {
        try (Connection db =
                        DriverManager.getConnection(
                                postgres.jdbcUrl(), postgres.username(), postgres.password());
                var statement =
                        db.prepareStatement(
                                "select count(*) from preference_feedback where tenant_id = ?")) {
            statement.setString(1, tenant);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    private static Map<String, Object> withLinger(Map<String, Object> config) {
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return config;
    }

    private static Map<String, Object> readCommitted(Map<String, Object> config) {
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }

    /** The event ids of the committed dead letters, read until {@code expected} came or 30 s. */
    private List<String> deadLetteredEventIds(int expected) {
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader =
                new KafkaConsumer<>(
                        readCommitted(kafka.clientSettings().consumer("fault-test-reader")),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    reader.partitionsFor(Topics.PREFERENCES_DLQ).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int quiet = 0;
            while (System.nanoTime() < deadline && (ids.size() < expected || quiet < 3)) {
                var records = reader.poll(Duration.ofSeconds(1));
                quiet = records.isEmpty() ? quiet + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    ids.add(
                            new String(record.value(), StandardCharsets.UTF_8)
                                    .replaceAll("(?s).*\"event_id\":\"([^\"]+)\".*", "$1"));
                }
            }
        }
        return ids;
    }
}
