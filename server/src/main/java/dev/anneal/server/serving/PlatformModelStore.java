package dev.anneal.server.serving;

import dev.anneal.serving.ModelRef;
import dev.anneal.serving.ModelStore;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.job.TrainingType;
import dev.anneal.store.model.FineTunedModel;
import dev.anneal.store.model.ModelRepository;
import dev.anneal.store.tenant.CurrentTenant;
import dev.anneal.store.tenant.TenantKeyRing;
import dev.anneal.tuner.registry.BaseModelRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Serving's models as the platform knows them: base models from the {@link BaseModelRegistry}, and
 * the calling tenant's fine-tuned models from its records, their archives decrypted with its data
 * key as they are read. A fine-tuned model of another tenant resolves to nothing, like a missing
 * one; a deleted model stops resolving at once.
 */
@ApplicationScoped
public class PlatformModelStore implements ModelStore {

    private final BaseModelRegistry baseModels;
    private final ModelRepository models;
    private final BlobStore blobs;
    private final TenantKeyRing keyRing;
    private final CurrentTenant currentTenant;

    /** Fine-tunes of fine-tunes followed this deep at most: lineages are short, and never loops. */
    private static final int MAX_LINEAGE = 32;

    @Inject
    PlatformModelStore(
            BaseModelRegistry baseModels,
            ModelRepository models,
            BlobStore blobs,
            TenantKeyRing keyRing,
            CurrentTenant currentTenant) {
        this.baseModels = baseModels;
        this.models = models;
        this.blobs = blobs;
        this.keyRing = keyRing;
        this.currentTenant = currentTenant;
    }

    @Override
    public Optional<ModelRef> resolve(String tenantId, String modelId) {
        if (!currentTenant.require().equals(tenantId)) {
            // the repository scopes queries to the request's tenant: never answer for another
            throw new IllegalStateException("Resolving a model for a tenant other than the caller");
        }
        return resolve(tenantId, modelId, 0);
    }

    /**
     * A model and its lineage: a fine-tune of a fine-tune runs on what its parent resolves to (see
     * {@link ModelRef.Lora}); a full fine-tune keeps its lineage's base model for its defaults.
     */
    private Optional<ModelRef> resolve(String tenantId, String modelId, int depth) {
        if (baseModels.find(modelId).isPresent()) {
            return Optional.of(new ModelRef.Base(modelId));
        }
        Optional<FineTunedModel> found = models.findFineTuned(modelId);
        if (found.isEmpty() || !found.get().tenantId().equals(tenantId)) {
            return Optional.empty();
        }
        FineTunedModel model = found.get();
        ModelRef parent =
                depth >= MAX_LINEAGE
                        ? null
                        : resolve(tenantId, model.baseModel(), depth + 1).orElse(null);
        if (parent == null || parent instanceof ModelRef.Unservable) {
            return Optional.of(
                    new ModelRef.Unservable(
                            modelId,
                            "'"
                                    + modelId
                                    + "' was fine-tuned from '"
                                    + model.baseModel()
                                    + "', which is no longer available to serve it on."));
        }
        if (model.kind() == TrainingType.LORA) {
            return Optional.of(
                    new ModelRef.Lora(
                            modelId, tenantId, model.baseModel(), model.blobName(), parent));
        }
        return Optional.of(
                new ModelRef.Full(modelId, tenantId, rootBase(parent), model.blobName()));
    }

    /** The base model at the root of a lineage. */
    private static String rootBase(ModelRef model) {
        if (model instanceof ModelRef.Lora lora) {
            return rootBase(lora.root());
        }
        return model instanceof ModelRef.Full full ? full.baseModelId() : model.modelId();
    }

    @Override
    public Path baseModelFolder(String baseModelId) {
        return baseModels.folderOf(baseModelId);
    }

    @Override
    public InputStream openArchive(ModelRef model) throws IOException {
        String tenantId;
        String blob;
        if (model instanceof ModelRef.Lora lora) {
            tenantId = lora.tenantId();
            blob = lora.blob();
        } else if (model instanceof ModelRef.Full full) {
            tenantId = full.tenantId();
            blob = full.blob();
        } else {
            throw new IllegalArgumentException(model.modelId() + " has no archive");
        }
        return blobs.open(new BlobKey(tenantId, blob), keyRing.dataKeysOf(tenantId));
    }
}
