package dev.anneal.serving;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where serving finds models: implemented by the platform over its base-model registry and each
 * tenant's encrypted store, so that serving depends on neither.
 *
 * <p>Threading: {@link #resolve} and {@link #openArchive} are called on the request's thread,
 * within the request's tenant context; {@link #baseModelFolder} from any thread.
 */
public interface ModelStore {

    /**
     * Resolves a model id for a tenant.
     *
     * @param tenantId the calling tenant
     * @param modelId the id asked for
     * @return the model, or empty when it does not exist or the tenant may not see it (both alike)
     */
    Optional<ModelRef> resolve(String tenantId, String modelId);

    /**
     * The Hugging Face folder of a base model, ready to load.
     *
     * @param baseModelId a base model's id, as {@link ModelRef.Base} or a fine-tune names it
     * @return its folder
     * @throws IOException if it cannot be made ready
     */
    Path baseModelFolder(String baseModelId) throws IOException;

    /**
     * Opens a fine-tuned model's archive (a zip with {@code adapter/...} or {@code model/...}
     * entries) as a stream that decrypts as it is read. The caller closes it.
     *
     * @param model the fine-tuned model
     * @return the archive's plaintext
     * @throws IOException if it cannot be opened
     */
    InputStream openArchive(ModelRef model) throws IOException;
}
