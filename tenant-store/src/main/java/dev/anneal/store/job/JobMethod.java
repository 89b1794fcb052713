package dev.anneal.store.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a job learns: OpenAI's {@code method.type}. */
public enum JobMethod {
    /** Supervised fine-tuning on chat or prompt–completion data, or pre-training on text. */
    SUPERVISED,
    /** Direct preference optimisation on preference pairs. */
    DPO;

    /** The name on the wire and in the stored specification, e.g. {@code supervised}. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The method with this wire name.
     *
     * @throws IllegalArgumentException when there is none
     */
    @JsonCreator
    public static JobMethod fromWireName(String name) {
        for (JobMethod method : values()) {
            if (method.wireName().equals(name)) {
                return method;
            }
        }
        throw new IllegalArgumentException("must be 'supervised' or 'dpo', got '" + name + "'");
    }
}
