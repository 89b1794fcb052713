package dev.anneal.feedback;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;

/** The feedback role's settings ({@code anneal.feedback.*}, env {@code ANNEAL_FEEDBACK_*}). */
@ConfigMapping(prefix = "anneal.feedback")
public interface FeedbackSettings {

    /** Most records read, validated and stored as one batch (one transaction, one commit). */
    @WithName("batch-size")
    @WithDefault("10000")
    int batchSize();

    /**
     * How many batches are stored at once, each in a transaction and on a database connection of
     * its own, while the consumer thread reads and checks the next: one store waits for PostgreSQL
     * while another seals its texts.
     */
    @WithName("stores")
    @WithDefault("2")
    int stores();

    /** Longest wait between two attempts while the database or Kafka refuses a batch. */
    @WithName("max-backoff")
    @WithDefault("30s")
    Duration maxBackoff();

    /**
     * How long the group waits for a consumer that stopped heartbeating (killed, host gone) before
     * its partitions go to the others: a crashed consumer's feedback waits that long. Kafka's
     * default is 45 s; a consumer heartbeats every third of this.
     */
    @WithName("session-timeout")
    @WithDefault("10s")
    Duration sessionTimeout();

    /** How long a batch may keep failing before the consumer reports itself unhealthy. */
    @WithName("unhealthy-after")
    @WithDefault("5m")
    Duration unhealthyAfter();
}
