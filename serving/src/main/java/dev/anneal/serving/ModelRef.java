package dev.anneal.serving;

import java.util.ArrayList;
import java.util.List;
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
     * A LoRA fine-tune, served as an adapter on the model it was trained on: a base model, a full
     * fine-tune's weights, or another LoRA fine-tune, whose adapters are then stacked under its own
     * (the worker trained it on that model's weights with those adapters folded in).
     *
     * @param modelId its id
     * @param tenantId the tenant it belongs to
     * @param baseModelId the id of the model it was trained on (its adapter names it)
     * @param blob its archive's identity in the tenant's store
     * @param parent the model it was trained on
     */
    record Lora(String modelId, String tenantId, String baseModelId, String blob, ModelRef parent)
            implements ModelRef {
        public Lora {
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(tenantId, "tenantId");
            Objects.requireNonNull(baseModelId, "baseModelId");
            Objects.requireNonNull(blob, "blob");
            Objects.requireNonNull(parent, "parent");
            if (!(parent instanceof Base || parent instanceof Full || parent instanceof Lora)) {
                throw new IllegalArgumentException(
                        modelId + " was trained on " + parent.modelId() + ", which is not served");
            }
        }

        /** A LoRA fine-tune of a base model. */
        public Lora(String modelId, String tenantId, String baseModelId, String blob) {
            this(modelId, tenantId, baseModelId, blob, new Base(baseModelId));
        }

        /** The adapter's identity in caches: tenant and blob. */
        public String identity() {
            return tenantId + "/" + blob;
        }

        /** The weights its adapters run on: a {@link Base} or a {@link Full}. */
        public ModelRef root() {
            return parent instanceof Lora lora ? lora.root() : parent;
        }

        /** The LoRA fine-tunes whose adapters it applies, bottom first, itself last. */
        public List<Lora> stack() {
            List<Lora> stack =
                    parent instanceof Lora lora ? new ArrayList<>(lora.stack()) : new ArrayList<>();
            stack.add(this);
            return List.copyOf(stack);
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
     * A model the platform knows but cannot serve, such as one whose lineage has a model that no
     * longer exists.
     *
     * @param modelId its id
     * @param reason why, for the client
     */
    record Unservable(String modelId, String reason) implements ModelRef {}
}
