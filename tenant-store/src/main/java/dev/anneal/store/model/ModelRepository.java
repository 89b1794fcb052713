package dev.anneal.store.model;

import dev.anneal.store.NotFoundException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Model records: registered base models (global) and the current tenant's fine-tuned models
 * (filtered by the tenant discriminator, so another tenant's model does not exist here).
 */
@ApplicationScoped
public class ModelRepository {

    private final EntityManager em;

    @Inject
    ModelRepository(EntityManager em) {
        this.em = em;
    }

    /** Registered base models, oldest first. */
    @Transactional
    public List<RegisteredBaseModel> baseModels() {
        return em.createQuery(
                        "from RegisteredBaseModel m order by m.createdAt, m.id",
                        RegisteredBaseModel.class)
                .getResultList();
    }

    @Transactional
    public Optional<RegisteredBaseModel> baseModel(String id) {
        return Optional.ofNullable(em.find(RegisteredBaseModel.class, id));
    }

    /** Registers a base model, or points an existing id at a new folder. */
    @Transactional
    public RegisteredBaseModel registerBaseModel(String id, String path) {
        RegisteredBaseModel existing = em.find(RegisteredBaseModel.class, id);
        if (existing != null) {
            em.remove(existing);
            em.flush();
        }
        RegisteredBaseModel model =
                new RegisteredBaseModel(id, path, Instant.now().truncatedTo(ChronoUnit.MICROS));
        em.persist(model);
        return model;
    }

    /** The current tenant's fine-tuned models, oldest first. */
    @Transactional
    public List<FineTunedModel> fineTunedModels() {
        return em.createQuery(
                        "from FineTunedModel m order by m.createdAt, m.id", FineTunedModel.class)
                .getResultList();
    }

    @Transactional
    public Optional<FineTunedModel> findFineTuned(String id) {
        return em.createQuery("from FineTunedModel m where m.id = :id", FineTunedModel.class)
                .setParameter("id", id)
                .getResultStream()
                .findFirst();
    }

    /** The fine-tuned model, or {@link NotFoundException} naming {@code param}. */
    public FineTunedModel getFineTuned(String id, String param) {
        return findFineTuned(id).orElseThrow(() -> new NotFoundException("model", id, param));
    }

    /** The fine-tuned model a job made, if it made one. */
    @Transactional
    public Optional<FineTunedModel> fineTunedByJob(String jobId) {
        return em.createQuery("from FineTunedModel m where m.jobId = :job", FineTunedModel.class)
                .setParameter("job", jobId)
                .getResultStream()
                .findFirst();
    }

    /** Removes the record; the caller deletes the blob. */
    @Transactional
    public FineTunedModel deleteFineTuned(String id) {
        FineTunedModel model = getFineTuned(id, "model");
        em.remove(model);
        return model;
    }
}
