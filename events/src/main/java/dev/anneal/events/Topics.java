package dev.anneal.events;

import java.util.List;

/** Names of the Kafka topics the platform produces to and consumes from. */
public final class Topics {

    /** Lifecycle, metrics and log events of fine-tuning jobs, keyed by job id. */
    public static final String JOB_EVENTS = "tuning.job-events";

    /** Human preference feedback, keyed by tenant id. */
    public static final String PREFERENCES = "feedback.preferences";

    /** Preference feedback that could not be stored, with the reason in its headers. */
    public static final String PREFERENCES_DLQ = "feedback.preferences.dlq";

    /**
     * Largest record the dead-letter topic takes ({@code max.message.bytes}, set when the platform
     * creates it) and its producer sends: a dead letter is the original record plus headers, so it
     * must exceed the largest record {@link #PREFERENCES} takes (Kafka's default, 1 MiB) or a
     * record at that limit could never be dead-lettered and would block its partition.
     */
    public static final int DLQ_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** Every topic the platform needs, created at start when missing. */
    public static final List<String> ALL = List.of(JOB_EVENTS, PREFERENCES, PREFERENCES_DLQ);

    private Topics() {}
}
