package dev.anneal.store.file;

import dev.anneal.store.InvalidRequestException;

/** What a file is for, in OpenAI's words. Only training data is accepted so far. */
public enum FilePurpose {
    FINE_TUNE("fine-tune");

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
        throw new InvalidRequestException(
                name == null || name.isBlank()
                        ? "'purpose' is required; use 'fine-tune'."
                        : "Unsupported purpose '" + name + "'; use 'fine-tune'.",
                "purpose");
    }
}
