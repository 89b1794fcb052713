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

    /** Every topic the platform needs, created at start when missing. */
    public static final List<String> ALL = List.of(JOB_EVENTS, PREFERENCES, PREFERENCES_DLQ);

    private Topics() {}
}
