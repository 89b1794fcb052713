package dev.anneal.events;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * A tenant's own feedback topic ({@code feedback.preferences.<tenant id>}), for producers
     * inside a customer's deployment: only that tenant's Kafka principals may write it (ACLs), so
     * every record on it is the tenant's whatever it says; the platform's own producer writes
     * {@link #PREFERENCES}, which no one else may.
     */
    public static String tenantPreferences(String tenantId) {
        return PREFERENCES + "." + tenantId;
    }

    /** What the feedback consumer subscribes to: {@link #PREFERENCES} and every tenant's topic. */
    public static final Pattern PREFERENCE_TOPICS =
            Pattern.compile(Pattern.quote(PREFERENCES) + "(?:\\.(tenant-[A-Za-z0-9]+))?");

    /** The tenant whose own topic {@code topic} is, or null for the platform's topics. */
    public static String tenantOf(String topic) {
        Matcher matcher = PREFERENCE_TOPICS.matcher(topic);
        return matcher.matches() ? matcher.group(1) : null;
    }

    /** Every topic the platform needs, created at start when missing. */
    public static final List<String> ALL = List.of(JOB_EVENTS, PREFERENCES, PREFERENCES_DLQ);

    private Topics() {}
}
