package dev.anneal.serving;

import dev.anneal.serving.scheduler.SchedulerObserver;

/**
 * Where the {@link ServingEngine} sends the pace of its schedulers, for metrics: one {@link
 * SchedulerObserver} per base model, shared by the schedulers serving it (its own, and those of its
 * full fine-tunes, which are counted under their base so that no tenant's model appears in a
 * metric). Kept free of any metrics library: the platform binds it to one.
 *
 * <p>Threading: {@link #scheduler} is called from request threads when a model starts serving, and
 * again for a full fine-tune each time a request opens it; it should return the same observer for
 * the same base model, quickly.
 */
@FunctionalInterface
public interface ServingObserver {

    /** Observes nothing. */
    ServingObserver NONE = baseModelId -> SchedulerObserver.NONE;

    /**
     * The observer of the schedulers serving a base model.
     *
     * @param baseModelId the base model's id: the model's own, or the base of a full fine-tune
     * @return its observer, called on the engine threads
     */
    SchedulerObserver scheduler(String baseModelId);
}
