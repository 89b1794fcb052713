package dev.anneal.serving;

import ai.djl.ndarray.NDManager;
import dev.anneal.serving.adapter.AdapterCache;
import dev.anneal.serving.scheduler.Scheduler;
import dev.anneal.serving.scheduler.SchedulerStats;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serving's entry point: resolves the model a request names through the {@link ModelStore}, keeps
 * each base model it serves resident (loaded on first use, with one scheduler and engine thread
 * each), the LoRA adapters in an {@link AdapterCache}, and full fine-tunes, each a model of its own
 * loaded from its archive in memory, in a {@link FullModelCache} (least recently used idle one
 * evicted beyond {@code ANNEAL_SERVE_MAX_FULL_MODELS}).
 *
 * <p>Each base model's KV-cache budget is sized when it loads ({@link ServingConfig#forModel}). The
 * pace of every scheduler goes to the {@link ServingObserver}, under the base model's id (a full
 * fine-tune's under its base's); {@link #loadByBaseModel} sums what they hold the same way.
 *
 * <p>Threading: {@link #open} and {@link #preload} may be called from any thread; a model loads
 * once, the callers asking for it meanwhile wait. Base models stay resident within {@code
 * ANNEAL_SERVE_MODEL_MEMORY} ({@link BaseModelCache}).
 */
public final class ServingEngine implements AutoCloseable {

    private final ModelStore store;
    private final ServingConfig config;
    private final AdapterCache adapters;
    private final NDManager manager = NDManager.newBaseManager();
    private final FullModelCache fullModels;
    private final BaseModelCache baseModels;
    private final ServingObserver observer;

    /** The base model of each full fine-tune opened, by its identity in the cache. */
    private final Map<String, String> fullModelBases = new ConcurrentHashMap<>();

    /**
     * Creates the engine, observed by nothing; nothing loads until a request asks.
     *
     * @param store where models come from
     * @param config the limits
     */
    public ServingEngine(ModelStore store, ServingConfig config) {
        this(store, config, ServingObserver.NONE);
    }

    /**
     * Creates the engine; nothing loads until a request asks, or {@link #preload}.
     *
     * @param store where models come from
     * @param config the limits
     * @param observer hears the pace of every scheduler
     */
    public ServingEngine(ModelStore store, ServingConfig config, ServingObserver observer) {
        this.store = store;
        this.config = config;
        this.observer = observer;
        this.adapters = new AdapterCache(config.maxAdapters());
        this.fullModels = new FullModelCache(store, config, manager, adapters::forget);
        this.baseModels =
                new BaseModelCache(
                        store,
                        config,
                        manager,
                        adapters,
                        observer,
                        config.modelMemory().resolve(AvailableMemory::now));
    }

    /**
     * Resolves the model a request names and makes it ready.
     *
     * @param tenantId the calling tenant
     * @param modelId the id asked for
     * @return the model, ready to take sequences
     * @throws ModelNotFoundException if the tenant has no such model
     * @throws UnsupportedModelException if it exists but cannot be served yet
     * @throws ServingOverloadedException if it is a full fine-tune not in memory and every one in
     *     memory is busy
     * @throws IOException if its base model, or the full fine-tune, cannot be loaded
     */
    public ServedModel open(String tenantId, String modelId) throws IOException {
        ModelRef ref =
                store.resolve(tenantId, modelId)
                        .orElseThrow(() -> new ModelNotFoundException(modelId));
        // a LoRA fine-tune runs on the weights at the root of its lineage
        ModelRef weights = ref instanceof ModelRef.Lora lora ? lora.root() : ref;
        if (weights instanceof ModelRef.Base base) {
            return new ServedModel(
                    ref, baseModels.get(base.modelId()), adapters, store, baseModels, fullModels);
        }
        if (weights instanceof ModelRef.Full full) {
            ResidentModel model = fullModels.get(full);
            fullModelBases.put(FullModelCache.identity(full), full.baseModelId());
            // again on each open: the cache may have loaded it anew since
            model.scheduler().observe(observer.scheduler(full.baseModelId()));
            return new ServedModel(ref, model, adapters, store, baseModels, fullModels);
        }
        ModelRef.Unservable unservable = (ModelRef.Unservable) ref;
        throw new UnsupportedModelException(unservable.reason());
    }

    /**
     * Loads a base model now, if it is not resident, so that its first request does not wait for
     * it, and keeps it resident ({@code ANNEAL_SERVE_MODELS}): it is never evicted to make room.
     *
     * @param baseModelId the base model's id
     * @throws IOException if it cannot be loaded
     */
    public void preload(String baseModelId) throws IOException {
        baseModels.preload(baseModelId);
    }

    /** The adapter cache's counters. */
    public AdapterCache.Stats adapterStats() {
        return adapters.stats();
    }

    /** The full fine-tune cache's counters. */
    public FullModelStats fullModelStats() {
        return fullModels.stats();
    }

    /**
     * The full fine-tunes in memory and what the cache did.
     *
     * @param resident how many are in memory now
     * @param loads how many loads from an archive
     * @param evictions how many were evicted to make room
     */
    public record FullModelStats(int resident, long loads, long evictions) {}

    /**
     * Per resident model, its scheduler's running and waiting sequences; a snapshot. Base models by
     * id, full fine-tunes by tenant and blob.
     */
    public Map<String, SchedulerStats> schedulerStats() {
        Map<String, SchedulerStats> stats = new LinkedHashMap<>();
        baseModels.resident().forEach((id, model) -> stats.put(id, model.scheduler().stats()));
        fullModels.resident().forEach((id, model) -> stats.put(id, model.scheduler().stats()));
        return stats;
    }

    /**
     * Per base model with a scheduler in memory, what its schedulers hold: its own, and those of
     * its full fine-tunes in memory; a snapshot.
     */
    public Map<String, BaseModelLoad> loadByBaseModel() {
        Map<String, BaseModelLoad> load = new LinkedHashMap<>();
        baseModels.resident().forEach((id, model) -> add(load, id, model.scheduler()));
        fullModels
                .resident()
                .forEach(
                        (identity, model) -> {
                            String base = fullModelBases.get(identity);
                            if (base != null) {
                                add(load, base, model.scheduler());
                            }
                        });
        return load;
    }

    private static void add(Map<String, BaseModelLoad> load, String base, Scheduler scheduler) {
        load.merge(
                base, BaseModelLoad.of(scheduler.stats(), scheduler.limits()), BaseModelLoad::plus);
    }

    /** Stops every engine thread and frees every model. */
    @Override
    public void close() {
        fullModels.close();
        baseModels.close();
        manager.close();
    }
}
