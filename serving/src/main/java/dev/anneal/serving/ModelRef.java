package dev.anneal.serving;

import java.util.Objects;

/**
 * What a model id a tenant asked for stands for, as the platform resolved it.
 *
 * <p>A fine-tuned model carries its stored identity ({@code blob}): the cache keys its weights by
 * it, so that a deleted or replaced model is never served from memory.
 */
public sealed interface ModelRef {

    /** The id the tenant asked for. */
    String modelId();

    /**
     * A base model of the installation.
     *
     * @param modelId its id
     */
    record Base(String modelId) implements ModelRef {
        public Base {
            Objects.requireNonNull(modelId, "modelId");
        }
    }

    /**
     * A LoRA fine-tune, served as an adapter on its base model.
     *
     * @param modelId its id
     * @param tenantId the tenant it belongs to
     * @param baseModelId the base model it was trained on
     * @param blob its archive's identity in the tenant's store
     */
    record Lora(String modelId, String tenantId, String baseModelId, String blob)
            implements ModelRef {
        public Lora {
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(tenantId, "tenantId");
            Objects.requireNonNull(baseModelId, "baseModelId");
            Objects.requireNonNull(blob, "blob");
        }

        /** The adapter's identity in caches: tenant and blob. */
        public String identity() {
            return tenantId + "/" + blob;
        }
    }

    /**
     * A full fine-tune: its own weights.
     *
     * @param modelId its id
     * @param tenantId the tenant it belongs to
     * @param baseModelId the model it was trained from (its generation defaults' origin)
     * @param blob its archive's identity in the tenant's store
     */
    record Full(String modelId, String tenantId, String baseModelId, String blob)
            implements ModelRef {
        public Full {
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(tenantId, "tenantId");
            Objects.requireNonNull(baseModelId, "baseModelId");
            Objects.requireNonNull(blob, "blob");
        }
    }

    /**
     * A model the platform knows but cannot serve, such as a LoRA trained on top of another
     * fine-tune.
     *
     * @param modelId its id
     * @param reason why, for the client
     */
    record Unservable(String modelId, String reason) implements ModelRef {}
}
