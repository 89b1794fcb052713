package dev.anneal.bench.serve;

import dev.anneal.serving.ModelRef;
import dev.anneal.serving.ModelStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bench's {@link ModelStore}: one base model from its folder and LoRA fine-tunes of it held as
 * archives in memory, all of one tenant, {@link #TENANT}. Thread-safe.
 */
final class MemoryModelStore implements ModelStore {

    /** The tenant every request of the bench comes from. */
    static final String TENANT = "bench";

    private final String baseModelId;
    private final Path baseFolder;
    private final Map<String, byte[]> archives = new ConcurrentHashMap<>();

    /**
     * A store serving one base model.
     *
     * @param baseModelId its id
     * @param baseFolder its Hugging Face folder
     */
    MemoryModelStore(String baseModelId, Path baseFolder) {
        this.baseModelId = baseModelId;
        this.baseFolder = baseFolder;
    }

    /**
     * Adds a LoRA fine-tune of the base model.
     *
     * @param modelId its id
     * @param archive its archive ({@link RandomAdapters})
     */
    void addLora(String modelId, byte[] archive) {
        archives.put(modelId, archive);
    }

    @Override
    public Optional<ModelRef> resolve(String tenantId, String modelId) {
        if (!tenantId.equals(TENANT)) {
            return Optional.empty();
        }
        if (modelId.equals(baseModelId)) {
            return Optional.of(new ModelRef.Base(baseModelId));
        }
        if (archives.containsKey(modelId)) {
            return Optional.of(new ModelRef.Lora(modelId, TENANT, baseModelId, modelId + "-blob"));
        }
        return Optional.empty();
    }

    @Override
    public Path baseModelFolder(String baseModelId) {
        return baseFolder;
    }

    @Override
    public InputStream openArchive(ModelRef model) {
        return new ByteArrayInputStream(archives.get(model.modelId()));
    }
}
