package dev.anneal.server.feedback;

import static dev.anneal.server.feedback.FeedbackTestSupport.await;
import static dev.anneal.server.feedback.FeedbackTestSupport.newEventId;
import static dev.anneal.server.feedback.FeedbackTestSupport.onTopic;
import static dev.anneal.server.feedback.FeedbackTestSupport.stored;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.events.KafkaSettings;
import dev.anneal.events.Topics;
import dev.anneal.server.AnnealTestResources;
import dev.anneal.server.TestApi;
import dev.anneal.store.feedback.PreferenceFeedbackRepository;
import dev.anneal.store.tenant.CurrentTenant;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Records written straight to the topic, as producers inside the deployment may: the valid one is
 * stored, the others reach the dead-letter topic with their original key and bytes and headers that
 * say why and where they came from.
 */
@QuarkusTest
@WithTestResource(AnnealTestResources.class)
class FeedbackDeadLetterIT {

    @Inject CurrentTenant currentTenant;
    @Inject PreferenceFeedbackRepository feedback;

    @Inject KafkaSettings kafka;

    @Test
    void shouldStoreTheValidRecordAndDeadLetterTheOthersWhenWrittenStraightToTheTopic()
            throws Exception {
        String tenant = TestApi.newTenant();
        String valid = newEventId();
        Map<String, byte[]> bad = new HashMap<>();
        // as large as the topic takes: with the headers added, its dead letter is larger still
        bad.put("invalid_json", largest("{\"event_id\": \"" + newEventId() + "\", ", "oops"));
        bad.put(
                "not_utf8",
                onTopic(newEventId(), tenant)
                        .replace("Hello!", "Caf\u00e9")
                        .getBytes(StandardCharsets.ISO_8859_1));
        bad.put(
                "invalid_record",
                utf8(onTopic(newEventId(), tenant).replace("\"user\"", "\"bot\"")));
        bad.put(
                "unknown_tenant",
                utf8(onTopic(newEventId(), "tenant-nobody" + newEventId().substring(0, 8))));

        Map<String, RecordMetadata> sent = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (Map.Entry<String, byte[]> record : bad.entrySet()) {
                sent.put(record.getKey(), send(producer, tenant, record.getValue()));
            }
            send(producer, tenant, utf8(onTopic(valid, tenant)));
        }

        await(
                "the valid record to be stored",
                () -> stored(currentTenant, feedback, tenant, valid));
        Map<String, ConsumerRecord<byte[], byte[]>> dead = readDeadLetters(bad);
        for (Map.Entry<String, byte[]> expected : bad.entrySet()) {
            ConsumerRecord<byte[], byte[]> letter = dead.get(expected.getKey());
            RecordMetadata source = sent.get(expected.getKey());
            assertThat(letter.key()).isEqualTo(utf8(tenant));
            assertThat(header(letter, "anneal.dlq.reason")).isEqualTo(expected.getKey());
            assertThat(header(letter, "anneal.dlq.message")).isNotBlank();
            assertThat(header(letter, "anneal.dlq.source-topic")).isEqualTo(Topics.PREFERENCES);
            assertThat(header(letter, "anneal.dlq.source-partition"))
                    .isEqualTo(String.valueOf(source.partition()));
            assertThat(header(letter, "anneal.dlq.source-offset"))
                    .isEqualTo(String.valueOf(source.offset()));
        }
        assertThat(header(dead.get("invalid_record"), "anneal.dlq.field"))
                .isEqualTo("prompt[1].role");
        assertThat(header(dead.get("unknown_tenant"), "anneal.dlq.field")).isEqualTo("tenant_id");
    }

    /**
     * {@code head}, spaces, {@code tail}: about the most bytes one record on the topic may have.
     */
    private static byte[] largest(String head, String tail) {
        byte[] value = new byte[1_048_300];
        Arrays.fill(value, (byte) ' ');
        byte[] start = utf8(head);
        byte[] end = utf8(tail);
        System.arraycopy(start, 0, value, 0, start.length);
        System.arraycopy(end, 0, value, value.length - end.length, end.length);
        return value;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = kafka.producer("dead-letter-test");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static RecordMetadata send(
            KafkaProducer<byte[], byte[]> producer, String tenant, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(Topics.PREFERENCES, utf8(tenant), value)).get();
    }

    private Map<String, Object> readCommitted() {
        Map<String, Object> config = kafka.consumer("dead-letter-reader");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return config;
    }

    /** Reads the dead-letter topic from its start until a letter with each payload was seen. */
    private Map<String, ConsumerRecord<byte[], byte[]>> readDeadLetters(Map<String, byte[]> bad)
            throws InterruptedException {
        Map<String, ConsumerRecord<byte[], byte[]>> found = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        readCommitted(),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(Topics.PREFERENCES_DLQ).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await(
                    "four dead letters",
                    () -> {
                        for (ConsumerRecord<byte[], byte[]> letter :
                                consumer.poll(Duration.ofMillis(200))) {
                            bad.forEach(
                                    (reason, value) -> {
                                        if (Arrays.equals(letter.value(), value)) {
                                            found.put(reason, letter);
                                        }
                                    });
                        }
                        return found.size() == bad.size() ? Optional.of(found) : Optional.empty();
                    });
        }
        return found;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
