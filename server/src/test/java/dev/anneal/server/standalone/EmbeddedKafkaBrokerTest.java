package dev.anneal.server.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedKafkaBrokerTest {

    private static final String TOPIC = "tuning.job-events";

    @TempDir Path root;

    @Test
    void shouldKeepRecordsWhenRestartedOnSameDirectory() throws Exception {
        Path logDir = root.resolve("kafka");
        String clusterId;
        int firstPort;

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(logDir, "localhost", 0, 0)) {
            try (Admin admin = Admin.create(clientConfig(broker))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = producer(broker)) {
                producer.send(new ProducerRecord<>(TOPIC, "job-1", "RUNNING")).get();
            }
            clusterId = clusterId(logDir);
            firstPort = port(broker);
        }
        assertThat(isFree(firstPort)).as("client port released on close").isTrue();

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(logDir, "localhost", 0, 0)) {
            assertThat(clusterId(logDir)).isEqualTo(clusterId);
            assertThat(consumeAll(broker))
                    .singleElement()
                    .satisfies(
                            record -> {
                                assertThat(record.key()).isEqualTo("job-1");
                                assertThat(record.value()).isEqualTo("RUNNING");
                            });
        }
    }

    @Test
    void shouldBeIdempotentWhenClosedTwice() throws Exception {
        EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.start(root.resolve("kafka"), "localhost", 0, 0);
        int port = port(broker);

        broker.close();
        broker.close();

        assertThat(isFree(port)).isTrue();
    }

    @Test
    void shouldKnowItsAddressBeforeItServesAndStopWhenClosedWhileStarting() throws Exception {
        Path logDir = root.resolve("kafka");
        EmbeddedKafkaBroker starting =
                EmbeddedKafkaBroker.startInBackground(logDir, "localhost", 0, 0);
        int port = port(starting);
        assertThat(starting.clientConfiguration())
                .containsEntry("anneal.kafka.bootstrap-servers", starting.bootstrapServers());

        starting.close();

        assertThat(isFree(port)).as("client port released on close").isTrue();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(logDir, "localhost", 0, 0);
                Admin admin = Admin.create(clientConfig(broker))) {
            assertThat(admin.listTopics().names().get()).isNotNull();
        }
    }

    @Test
    void shouldReportAFailedStartWhenAwaited() throws Exception {
        Path logDir = root.resolve("kafka");
        EmbeddedKafkaBroker.start(logDir, "localhost", 0, 0).close();
        Path meta = logDir.resolve("meta.properties");
        Files.writeString(
                meta, Files.readString(meta).replaceAll("(?m)^node\\.id=.*$", "node.id=7"));

        EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.startInBackground(logDir, "localhost", 0, 0);

        assertThatThrownBy(broker::awaitStarted).hasMessageContaining("node id 7");
        broker.close(); // nothing to stop, and no wait
    }

    @Test
    void shouldRefuseAClientWithoutCredentials() throws Exception {
        try (EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.start(root.resolve("kafka"), "localhost", 0, 0)) {
            Properties plain = new Properties();
            plain.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            plain.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 3000);
            plain.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            plain.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            try (KafkaProducer<String, String> anonymous = new KafkaProducer<>(plain)) {
                assertThatThrownBy(
                                () -> anonymous.send(new ProducerRecord<>(TOPIC, "k", "v")).get())
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
            }
        }
        assertThat(Files.getPosixFilePermissions(root.resolve(KafkaCredentials.PLATFORM_FILE)))
                .containsExactlyInAnyOrder(
                        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void shouldTakeThePlatformPrincipalOverScramAsWellAsPlainOnLoopback() throws Exception {
        try (EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.start(root.resolve("kafka"), "localhost", 0, 0)) {
            assertThat(broker.clientSettings().admin()).containsEntry("sasl.mechanism", "PLAIN");
            Properties scram = new Properties();
            scram.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            scram.putAll(
                    KafkaCredentials.clientSecurity(
                            KafkaCredentials.PLATFORM_USER, broker.platformPassword()));
            try (Admin platform = Admin.create(clientConfig(broker));
                    Admin tool = Admin.create(scram)) {
                assertThat(platform.listTopics().names().get()).isNotNull();
                assertThat(tool.listTopics().names().get()).isNotNull();
            }
        }
    }

    @Test
    void shouldSendThePlatformPasswordInPlainOnlyOnLoopback() {
        assertThat(EmbeddedKafkaBroker.platformMechanism("localhost")).isEqualTo("PLAIN");
        assertThat(EmbeddedKafkaBroker.platformMechanism("127.0.0.1")).isEqualTo("PLAIN");
        assertThat(EmbeddedKafkaBroker.platformMechanism("10.1.2.3"))
                .isEqualTo(KafkaCredentials.MECHANISM);
    }

    @Test
    void shouldGiveALogDirectoryWithoutThePlatformUserOne() throws Exception {
        Path logDir = root.resolve("kafka");
        EmbeddedKafkaBroker.start(logDir, "localhost", 0, 0).close();
        // as a data folder of a version without authentication: no credentials beside the log
        Files.delete(root.resolve(KafkaCredentials.PLATFORM_FILE));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(logDir, "localhost", 0, 0);
                Admin admin = Admin.create(clientConfig(broker))) {
            assertThat(admin.listTopics().names().get()).isNotNull();
        }
    }

    private static List<ConsumerRecord<String, String>> consumeAll(EmbeddedKafkaBroker broker) {
        Properties config = clientConfig(broker);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "standalone-test");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(Set.of(TOPIC));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafkaBroker broker) {
        Properties config = clientConfig(broker);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(config);
    }

    private static Properties clientConfig(EmbeddedKafkaBroker broker) {
        Properties config = new Properties();
        config.putAll(broker.clientSettings().admin());
        return config;
    }

    private static String clusterId(Path logDir) throws IOException {
        Properties meta = new Properties();
        try (var reader = Files.newBufferedReader(logDir.resolve("meta.properties"))) {
            meta.load(reader);
        }
        return meta.getProperty("cluster.id");
    }

    private static int port(EmbeddedKafkaBroker broker) {
        String servers = broker.bootstrapServers();
        return Integer.parseInt(servers.substring(servers.lastIndexOf(':') + 1));
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("localhost"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
