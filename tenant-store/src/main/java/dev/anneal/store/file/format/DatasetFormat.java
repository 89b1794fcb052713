package dev.anneal.store.file.format;

import java.util.Objects;

/** The shape of every line of a fine-tuning dataset, detected from the keys of its lines. */
public enum DatasetFormat {
    /** {@code {"messages":[{"role":"user","content":"…"},…]}}. */
    CHAT("chat"),
    /** {@code {"prompt":"…","completion":"…"}}. */
    PROMPT_COMPLETION("prompt_completion"),
    /**
     * {@code {"input":{"messages":[…]},"preferred_output":[…],"non_preferred_output":[…]}} or
     * {@code {"prompt":"…","chosen":"…","rejected":"…"}}.
     */
    PREFERENCE("preference"),
    /** {@code {"text":"…"}}. */
    TEXT("text");

    private final String wireName;

    DatasetFormat(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in the API and in stored metadata, e.g. {@code prompt_completion}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The format with this wire name.
     *
     * @throws IllegalArgumentException when no format has this name
     */
    public static DatasetFormat fromWireName(String wireName) {
        Objects.requireNonNull(wireName, "wireName");
        for (DatasetFormat format : values()) {
            if (format.wireName.equals(wireName)) {
                return format;
            }
        }
        throw new IllegalArgumentException(
                "unknown dataset format '"
                        + wireName
                        + "': expected one of chat, prompt_completion, preference, text");
    }
}
