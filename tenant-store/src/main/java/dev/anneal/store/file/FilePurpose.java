package dev.anneal.store.file;

import dev.anneal.store.InvalidRequestException;

/**
 * What a file is for, in OpenAI's words: training data a tenant uploads, or the results a job
 * produced (its metrics CSV), which only the platform writes.
 */
public enum FilePurpose {
    FINE_TUNE("fine-tune"),
    FINE_TUNE_RESULTS("fine-tune-results");

    private final String wireName;

    FilePurpose(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Parses the API's name of a purpose; an unknown one is the caller's error. */
    public static FilePurpose fromWireName(String name) {
        for (FilePurpose purpose : values()) {
            if (purpose.wireName.equals(name)) {
                return purpose;
            }
        }
        throw unsupported(name);
    }

    /** Parses the purpose of an upload: only training data can be uploaded. */
    public static FilePurpose ofUpload(String name) {
        if (!FINE_TUNE.wireName.equals(name)) {
            throw unsupported(name);
        }
        return FINE_TUNE;
    }

    private static InvalidRequestException unsupported(String name) {
        return new InvalidRequestException(
                name == null || name.isBlank()
                        ? "'purpose' is required; use 'fine-tune'."
                        : "Unsupported purpose '" + name + "'; use 'fine-tune'.",
                "purpose");
    }
}
