package dev.anneal.store.job;

import java.util.Locale;

/** OpenAI's job statuses: validating_files → queued → running → succeeded | failed | cancelled. */
public enum JobStatus {
    VALIDATING_FILES,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    /** The name on the wire and in the database, e.g. {@code validating_files}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Whether the job has ended and will not change any more. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
