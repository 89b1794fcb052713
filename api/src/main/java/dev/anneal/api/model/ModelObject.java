package dev.anneal.api.model;

import dev.anneal.store.model.FineTunedModel;
import dev.anneal.tuner.registry.BaseModel;
import java.util.Locale;

/**
 * OpenAI's model object, plus what kind of model it is ({@code base} from {@code builtin}, {@code
 * models_dir} or {@code registered}; or {@code fine_tuned} with {@code lora} or {@code full}
 * weights), its base model and a description.
 */
public record ModelObject(
        String id,
        String object,
        long created,
        String ownedBy,
        String kind,
        String source,
        String parent,
        String description) {

    static ModelObject of(BaseModel model) {
        return new ModelObject(
                model.id(),
                "model",
                model.createdAt().getEpochSecond(),
                "system",
                "base",
                model.source().name().toLowerCase(Locale.ROOT),
                null,
                model.description());
    }

    static ModelObject of(FineTunedModel model) {
        return new ModelObject(
                model.id(),
                "model",
                model.createdAt().getEpochSecond(),
                model.tenantId(),
                "fine_tuned",
                model.kind().wireName(),
                model.baseModel(),
                "Fine-tuned by job " + model.jobId());
    }
}
