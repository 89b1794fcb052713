package dev.anneal.tuner.registry;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A base model tenants can fine-tune.
 *
 * @param id its id, the {@code model} of a job
 * @param path its Hugging Face folder; for the built-in toy, where it is (or will be) created
 * @param source where it comes from
 * @param description a line for people
 * @param createdAt when it became available
 * @param family its architecture, the {@code model_type} of its {@code config.json} ({@code llama},
 *     {@code mistral}, {@code qwen2})
 * @param contextLength the most positions it attends over ({@code max_position_embeddings})
 * @param loraTargetModules the projections a LoRA adapter can target, by the names the adapter's
 *     {@code target_modules} uses ({@code q_proj}, ...)
 */
public record BaseModel(
        String id,
        Path path,
        Source source,
        String description,
        Instant createdAt,
        String family,
        int contextLength,
        List<String> loraTargetModules) {

    /** Where a base model comes from. */
    public enum Source {
        /** The built-in toy, created on first use. */
        BUILTIN,
        /** A sub-folder of {@code ANNEAL_MODELS_DIR}. */
        MODELS_DIR,
        /** Registered by an administrator. */
        REGISTERED
    }
}
