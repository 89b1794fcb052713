package dev.anneal.server.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.events.JobEventRecord;
import dev.anneal.events.Topics;
import dev.anneal.store.job.JobEvent;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes each job event to {@link Topics#JOB_EVENTS}, keyed by job id, once the transaction that
 * stored it has committed. The database stays the source of truth: a record lost here (a crash
 * between commit and send) is read from the store by every consumer that sees the gap in {@code
 * seq}.
 */
@ApplicationScoped
public class JobEventPublisher {

    private static final Logger LOG = Logger.getLogger(JobEventPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaSettings settings;
    private KafkaProducer<String, byte[]> producer;

    @Inject
    JobEventPublisher(KafkaSettings settings) {
        this.settings = settings;
    }

    @PostConstruct
    void open() {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "anneal-job-events");
        producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    void published(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobEvent event) {
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
        try {
            producer.send(
                    new ProducerRecord<>(Topics.JOB_EVENTS, event.jobId(), record.toJson()),
                    (metadata, error) -> {
                        if (error != null) {
                            LOG.warnf(
                                    "Job event %s of %s not published: %s",
                                    event.jobSeq(), event.jobId(), error.getMessage());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.warnf("Job event %s of %s not published: %s", event.jobSeq(), event.jobId(), e);
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

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
