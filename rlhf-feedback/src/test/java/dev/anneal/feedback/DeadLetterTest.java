package dev.anneal.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.events.InvalidPreferenceException;
import dev.anneal.events.PreferenceRecord;
import dev.anneal.events.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

    private static final byte[] KEY = "tenant-a".getBytes(StandardCharsets.UTF_8);

    @Test
    void shouldKeepTheOriginalBytesAndHeadersAndAddTheReasonAndOrigin() {
        byte[] value = {(byte) 0xff, (byte) 0xfe, 'x'};
        ConsumerRecord<byte[], byte[]> source =
                new ConsumerRecord<>(Topics.PREFERENCES, 2, 41L, KEY, value);
        source.headers().add("trace-id", "abc".getBytes(StandardCharsets.UTF_8));
        InvalidPreferenceException problem = assertRefused(value);

        ProducerRecord<byte[], byte[]> letter =
                DeadLetter.of(source, problem).toProducerRecord(Topics.PREFERENCES_DLQ);

        assertThat(letter.topic()).isEqualTo(Topics.PREFERENCES_DLQ);
        assertThat(letter.key()).isEqualTo(KEY);
        assertThat(letter.value()).isEqualTo(value);
        assertThat(header(letter, "trace-id")).isEqualTo("abc");
        assertThat(header(letter, DeadLetter.REASON_HEADER)).isEqualTo("not_utf8");
        assertThat(header(letter, DeadLetter.TOPIC_HEADER)).isEqualTo(Topics.PREFERENCES);
        assertThat(header(letter, DeadLetter.PARTITION_HEADER)).isEqualTo("2");
        assertThat(header(letter, DeadLetter.OFFSET_HEADER)).isEqualTo("41");
        assertThat(letter.headers().lastHeader(DeadLetter.FIELD_HEADER)).isNull();
    }

    @Test
    void shouldOfferEveryReasonForMetrics() {
        assertThat(DeadLetter.REASONS)
                .isEqualTo(
                        List.of(
                                "not_utf8",
                                "invalid_json",
                                "invalid_record",
                                "tenant_mismatch",
                                "unknown_tenant"));
    }

    private static InvalidPreferenceException assertRefused(byte[] value) {
        try {
            PreferenceRecord.fromJson(value);
        } catch (InvalidPreferenceException e) {
            return e;
        }
        throw new AssertionError("accepted " + new String(value, StandardCharsets.ISO_8859_1));
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
