package dev.anneal.store.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Which weights a job trains, and so what kind of model it yields: a LoRA adapter over frozen base
 * weights, or every weight of the model.
 */
public enum TrainingType {
    /** Low-rank adapters; the model is a PEFT adapter tied to its base model. */
    LORA,
    /** Every weight; the model is a full set of Hugging Face weights. */
    FULL;

    /** The name on the wire and in the database, e.g. {@code lora}. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The type with this wire name.
     *
     * @throws IllegalArgumentException when there is none
     */
    @JsonCreator
    public static TrainingType fromWireName(String name) {
        for (TrainingType type : values()) {
            if (type.wireName().equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("must be 'lora' or 'full', got '" + name + "'");
    }
}
