package dev.anneal.api.feedback;

import java.util.List;

/**
 * Kafka credentials for a tenant's in-house feedback producers: each is a principal that may write
 * the tenant's own topic ({@code feedback.preferences.<tenant id>}) and nothing else, so whatever
 * it writes is the tenant's. Implemented over the Kafka admin API by the platform.
 */
public interface ProducerCredentials {

    /**
     * A principal just created: the only moment its password is known.
     *
     * @param topic the one topic it may write
     */
    record Created(
            String username,
            String password,
            String topic,
            String bootstrapServers,
            String securityProtocol,
            String saslMechanism) {

        @Override
        public String toString() {
            return "Created[username=" + username + "]";
        }
    }

    /** Creates a principal for {@code tenantId}, and its topic when missing. */
    Created create(String tenantId);

    /** The names of {@code tenantId}'s principals. */
    List<String> list(String tenantId);

    /**
     * Deletes {@code username} and its rights, if it is one of {@code tenantId}'s.
     *
     * @return whether it was
     */
    boolean revoke(String tenantId, String username);
}
