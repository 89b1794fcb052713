package dev.anneal.api.feedback;

import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import dev.anneal.events.KafkaSettings;
import dev.anneal.events.PreferenceRecord;
import dev.anneal.events.ReliableProducer;
import dev.anneal.events.Topics;
import dev.anneal.store.InvalidRequestException;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Produces checked preference records to {@link Topics#PREFERENCES}, keyed by tenant id, with an
 * idempotent producer ({@code acks=all}), and returns only once Kafka acknowledged every one.
 * Thread-safe: one producer serves every request.
 */
@ApplicationScoped
public class FeedbackProducer {

    /** Largest encoded record; Kafka's default limit on a request is 1 MiB. */
    static final int MAX_RECORD_BYTES = 1_000_000;

    private static final Logger LOG = Logger.getLogger(FeedbackProducer.class);

    private final KafkaSettings kafka;
    private KafkaProducer<String, byte[]> producer;

    @Inject
    FeedbackProducer(KafkaSettings kafka) {
        this.kafka = kafka;
    }

    @PostConstruct
    void open() {
        producer =
                new KafkaProducer<>(
                        ReliableProducer.config(kafka, "anneal-feedback-api"),
                        new StringSerializer(),
                        new ByteArraySerializer());
    }

    /**
     * Sends {@code records} and waits for every acknowledgement. Nothing is sent when one is too
     * large. When Kafka fails, some records may have reached the topic; sending the same records
     * again is safe, since the consumer stores each event id once.
     *
     * @param batch whether the records came as an array, which decides how a bad one is named
     * @throws InvalidRequestException when a record is too large to produce
     * @throws ApiException (503) when Kafka did not acknowledge every record in time
     */
    void publish(List<PreferenceRecord> records, boolean batch) {
        List<byte[]> values = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            byte[] value = records.get(i).toJson();
            if (value.length > MAX_RECORD_BYTES) {
                throw new InvalidRequestException(
                        (batch ? "Record [" + i + "]" : "The record")
                                + " is larger than "
                                + MAX_RECORD_BYTES
                                + " bytes as JSON.",
                        batch ? "[" + i + "]" : null,
                        "record_too_large");
            }
            values.add(value);
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        try {
            for (int i = 0; i < records.size(); i++) {
                String tenantId = records.get(i).tenantId();
                sent.add(
                        producer.send(
                                new ProducerRecord<>(Topics.PREFERENCES, tenantId, values.get(i))));
            }
            producer.flush();
            for (Future<RecordMetadata> future : sent) {
                future.get();
            }
        } catch (ExecutionException | KafkaException e) {
            LOG.warnf("Feedback not accepted, Kafka failed: %s", e.getMessage());
            throw unavailable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        }
    }

    private static ApiException unavailable() {
        return new ApiException(
                503,
                ErrorType.SERVER,
                "Feedback cannot be accepted right now (Kafka did not acknowledge it); nothing is"
                        + " claimed as accepted. Send the same records again later: repeated"
                        + " event ids are stored once.",
                null,
                "feedback_unavailable");
    }

    @PreDestroy
    void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
