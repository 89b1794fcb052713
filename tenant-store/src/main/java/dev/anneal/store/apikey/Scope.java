package dev.anneal.store.apikey;

import java.util.Arrays;
import java.util.Optional;

/** What a tenant's key may do; a key holds some or all of them. */
public enum Scope {
    /** Upload, list, read and delete files. */
    FILES("files"),
    /** Create, list, follow and cancel fine-tuning jobs. */
    FINE_TUNING("fine_tuning"),
    /** List, download and delete models. */
    MODELS("models"),
    /** Chat and text completions. */
    INFERENCE("inference"),
    /** Send feedback. */
    FEEDBACK_WRITE("feedback:write"),
    /** Read feedback and export preference datasets. */
    FEEDBACK_READ("feedback:read");

    private final String wireName;

    Scope(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The scope named {@code wireName}, if any. */
    public static Optional<Scope> fromWireName(String wireName) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(wireName)).findFirst();
    }
}
