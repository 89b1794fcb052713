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

    /** Producer properties for {@code bootstrapServers}, named {@code clientId} in the broker. */
    public static Map<String, Object> config(String bootstrapServers, String clientId) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG,
                clientId,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                2,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                DELIVERY_TIMEOUT_MS);
    }
}
