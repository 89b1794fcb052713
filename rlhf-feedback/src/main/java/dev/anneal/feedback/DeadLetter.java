package dev.anneal.feedback;

import dev.anneal.events.InvalidPreferenceException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record of {@link dev.anneal.events.Topics#PREFERENCES} that cannot be stored, and why: its
 * original key, value and headers go to the dead-letter topic with the reason and the record's
 * origin added as headers.
 *
 * @param source the record as read
 * @param reason a stable code, one of {@link #REASONS}
 * @param field the path of the field at fault, or {@code null}
 * @param message what is wrong, for a person
 */
record DeadLetter(
        ConsumerRecord<byte[], byte[]> source, String reason, String field, String message) {

    /** The record names a tenant that does not exist. */
    static final String UNKNOWN_TENANT = "unknown_tenant";

    /** Every reason a record may be dead-lettered for. */
    static final List<String> REASONS =
            Stream.concat(
                            Arrays.stream(InvalidPreferenceException.Problem.values())
                                    .map(InvalidPreferenceException.Problem::code),
                            Stream.of(UNKNOWN_TENANT))
                    .toList();

    static final String REASON_HEADER = "anneal.dlq.reason";
    static final String MESSAGE_HEADER = "anneal.dlq.message";
    static final String FIELD_HEADER = "anneal.dlq.field";
    static final String TOPIC_HEADER = "anneal.dlq.source-topic";
    static final String PARTITION_HEADER = "anneal.dlq.source-partition";
    static final String OFFSET_HEADER = "anneal.dlq.source-offset";

    static DeadLetter of(ConsumerRecord<byte[], byte[]> source, InvalidPreferenceException e) {
        return new DeadLetter(source, e.problem().code(), e.field(), e.getMessage());
    }

    /** The record for {@code topic}: the original key, value and headers, plus the reason. */
    ProducerRecord<byte[], byte[]> toProducerRecord(String topic) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : source.headers()) {
            headers.add(header);
        }
        headers.add(REASON_HEADER, utf8(reason));
        headers.add(MESSAGE_HEADER, utf8(message));
        if (field != null) {
            headers.add(FIELD_HEADER, utf8(field));
        }
        headers.add(TOPIC_HEADER, utf8(source.topic()));
        headers.add(PARTITION_HEADER, utf8(String.valueOf(source.partition())));
        headers.add(OFFSET_HEADER, utf8(String.valueOf(source.offset())));
        return new ProducerRecord<>(topic, null, source.key(), source.value(), headers);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
