package dev.anneal.tuner.serve;

import dev.anneal.tuner.lora.LoraConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a {@link MultiAdapterModel} knows of a registered adapter.
 *
 * @param id the id requests choose it by
 * @param source the PEFT folder it was loaded from, or the name of the archive entry whose bytes it
 *     was read from in memory
 * @param config its rank, alpha and target modules
 * @param baseModelNameOrPath the {@code base_model_name_or_path} it declares
 */
public record ServedAdapter(String id, Path source, LoraConfig config, String baseModelNameOrPath) {

    /** Checks that no field is missing. */
    public ServedAdapter {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(baseModelNameOrPath, "baseModelNameOrPath");
    }
}
