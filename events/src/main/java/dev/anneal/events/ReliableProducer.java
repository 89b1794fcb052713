package dev.anneal.events;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Configuration of producers whose sends must not be lost or repeated by retries: idempotent,
 * acknowledged by every in-sync replica, and bounded in time so that a caller learns of an outage
 * within {@link #DELIVERY_TIMEOUT_MS} instead of hanging.
 */
public final class ReliableProducer {

    /** The longest a send waits for its acknowledgement, retries included. */
    public static final int DELIVERY_TIMEOUT_MS = 10_000;

    private ReliableProducer() {}

    /**
     * Producer properties for the cluster of {@code kafka}, named {@code clientId} in the broker: a
     * new map, to which the caller may add its own settings.
     */
    public static Map<String, Object> config(KafkaSettings kafka, String clientId) {
        Map<String, Object> config = kafka.producer(clientId);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS);
        return config;
    }
}
