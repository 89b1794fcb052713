package dev.anneal.serving;

import ai.djl.ndarray.NDManager;
import dev.anneal.serving.adapter.AdapterCache;
import dev.anneal.serving.scheduler.SchedulerStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serving's entry point: resolves the model a request names through the {@link ModelStore}, keeps
 * each base model it serves resident (loaded on first use, with one scheduler and engine thread
 * each), the LoRA adapters in an {@link AdapterCache}, and full fine-tunes, each a model of its own
 * loaded from its archive in memory, in a {@link FullModelCache} (least recently used idle one
 * evicted beyond {@code ANNEAL_SERVE_MAX_FULL_MODELS}).
 *
 * <p>Threading: {@link #open} may be called from any request thread; a model loads once, the
 * callers asking for it meanwhile wait. Resident base models stay until {@link #close}.
 */
public final class ServingEngine implements AutoCloseable {

    private final ModelStore store;
    private final ServingConfig config;
    private final AdapterCache adapters;
    private final NDManager manager = NDManager.newBaseManager();
    private final FullModelCache fullModels;
    private final Map<String, ResidentModel> resident = new LinkedHashMap<>();

    /**
     * Creates the engine; nothing loads until a request asks.
     *
     * @param store where models come from
     * @param config the limits
     */
    public ServingEngine(ModelStore store, ServingConfig config) {
        this.store = store;
        this.config = config;
        this.adapters = new AdapterCache(config.maxAdapters());
        this.fullModels = new FullModelCache(store, config, manager);
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
        if (ref instanceof ModelRef.Base base) {
            return new ServedModel(ref, resident(base.modelId()), adapters, store, fullModels);
        }
        if (ref instanceof ModelRef.Lora lora) {
            return new ServedModel(ref, resident(lora.baseModelId()), adapters, store, fullModels);
        }
        if (ref instanceof ModelRef.Full full) {
            return new ServedModel(ref, fullModels.get(full), adapters, store, fullModels);
        }
        ModelRef.Unservable unservable = (ModelRef.Unservable) ref;
        throw new UnsupportedModelException(unservable.reason());
    }

    /** The resident base model, loading it on first use (again if its folder changed). */
    private ResidentModel resident(String baseModelId) throws IOException {
        Path folder = store.baseModelFolder(baseModelId).toAbsolutePath().normalize();
        synchronized (resident) {
            ResidentModel model = resident.get(baseModelId);
            if (model != null && model.folder().equals(folder)) {
                return model;
            }
            ResidentModel loaded = ResidentModel.load(baseModelId, folder, config, manager);
            resident.put(baseModelId, loaded);
            return loaded;
        }
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
        synchronized (resident) {
            resident.forEach((id, model) -> stats.put(id, model.scheduler().stats()));
        }
        fullModels.resident().forEach((id, model) -> stats.put(id, model.scheduler().stats()));
        return stats;
    }

    /** Stops every engine thread and frees every model. */
    @Override
    public void close() {
        fullModels.close();
        synchronized (resident) {
            resident.values()
                    .forEach(
                            model -> {
                                adapters.forget(model.adapters());
                                model.close();
                            });
            resident.clear();
        }
        manager.close();
    }
}
