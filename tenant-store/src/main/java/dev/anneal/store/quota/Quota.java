package dev.anneal.store.quota;

import java.util.Arrays;
import java.util.Optional;

/** What a tenant's use is bounded in; each has a name on the wire and a default setting. */
public enum Quota {
    /** Bytes of files, checkpoints and fine-tuned models, as stored (before encryption). */
    STORED_BYTES("stored_bytes"),
    /** Files the tenant uploaded (a job's result files are not counted). */
    FILES("files"),
    /** Jobs queued or running. */
    ACTIVE_JOBS("active_jobs"),
    /** Feedback records accepted per UTC day. */
    FEEDBACK_PER_DAY("feedback_per_day"),
    /** Requests per second per API key (a token bucket of one second's worth). */
    REQUESTS_PER_SECOND("requests_per_second"),
    /** API keys not revoked (expired ones included until revoked). */
    API_KEYS("api_keys");

    private final String wireName;

    Quota(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The quota named {@code wireName}, if any. */
    public static Optional<Quota> fromWireName(String wireName) {
        return Arrays.stream(values()).filter(q -> q.wireName.equals(wireName)).findFirst();
    }
}
