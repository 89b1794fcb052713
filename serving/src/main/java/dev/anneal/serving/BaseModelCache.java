package dev.anneal.serving;

import ai.djl.ndarray.NDManager;
import dev.anneal.serving.adapter.AdapterCache;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The base models resident in memory, loaded on first use (or at start: {@link #preload}) within a
 * budget for their weights ({@code ANNEAL_SERVE_MODEL_MEMORY}, float32 as loaded). Loading one more
 * than the budget holds evicts the least recently used idle ones (no sequence running or waiting,
 * not preloaded); when the others are all busy for {@link #ROOM_WAIT}, the request is refused as
 * overloaded (429), to retry when one is free. A model alone larger than the budget still loads,
 * with a warning, rather than never.
 *
 * <p>A base model's folder that changed (the administrator registered the id anew) loads again; the
 * old one is closed as soon as it is idle. Tokenizers are kept per folder until {@link #close}, so
 * that a request that encoded its prompt with one can still decode after its model was evicted.
 *
 * <p>Threading: every method holds the cache's lock; a load holds it too. Waiting for room releases
 * it.
 */
final class BaseModelCache implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BaseModelCache.class.getName());
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final Duration ROOM_WAIT = Duration.ofSeconds(1);
    private static final Duration ROOM_POLL = Duration.ofMillis(10);

    private final ModelStore store;
    private final ServingConfig config;
    private final NDManager parent;
    private final AdapterCache adapters;
    private final ServingObserver observer;
    private final long budgetBytes;
    private final LinkedHashMap<String, ResidentModel> models =
            new LinkedHashMap<>(16, 0.75f, true);
    private final Set<String> preloaded = new HashSet<>();
    private final List<ResidentModel> replaced = new ArrayList<>();
    private final Map<Path, TextTokenizer> tokenizers = new HashMap<>();
    private long evictions;

    /**
     * Creates an empty cache.
     *
     * @param budgetBytes the most bytes the resident models' weights take together
     */
    BaseModelCache(
            ModelStore store,
            ServingConfig config,
            NDManager parent,
            AdapterCache adapters,
            ServingObserver observer,
            long budgetBytes) {
        this.store = store;
        this.config = config;
        this.parent = parent;
        this.adapters = adapters;
        this.observer = observer;
        this.budgetBytes = budgetBytes;
    }

    /** The bytes a model's weights take once loaded: float32, every parameter once. */
    static long weightBytes(LlamaConfig model) {
        return model.parameterCount() * Float.BYTES;
    }

    /**
     * The resident base model, loading it if it is not.
     *
     * @throws ServingOverloadedException if it does not fit and the models in the way are busy
     * @throws IOException if it cannot be loaded
     */
    synchronized ResidentModel get(String baseModelId) throws IOException {
        Path folder = store.baseModelFolder(baseModelId).toAbsolutePath().normalize();
        closeIdleReplaced();
        ResidentModel model = models.get(baseModelId);
        if (model != null && model.folder().equals(folder)) {
            return model;
        }
        if (model != null) {
            models.remove(baseModelId);
            replaced.add(model);
            closeIdleReplaced();
        }
        LlamaConfig shape = LlamaConfig.load(folder);
        long bytes = weightBytes(shape);
        long deadline = System.nanoTime() + ROOM_WAIT.toNanos();
        while (!makeRoom(baseModelId, bytes)) {
            if (System.nanoTime() >= deadline) {
                throw overloaded(baseModelId, bytes);
            }
            try {
                // releases the lock: the busy ones' schedulers finish meanwhile
                wait(ROOM_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted waiting to load " + baseModelId);
            }
        }
        ServingConfig sized = config.forModel(baseModelId, shape);
        TextTokenizer tokenizer = tokenizers.get(folder);
        if (tokenizer == null) {
            tokenizer = TextTokenizer.load(folder);
            tokenizers.put(folder, tokenizer);
        }
        ResidentModel loaded;
        // on the request's thread: single-threaded, so that it owns no OpenMP team (ADR 0051)
        try (DjlRuntime.SingleThreaded loading = DjlRuntime.singleThreaded()) {
            loaded = ResidentModel.load(baseModelId, folder, tokenizer, sized, parent);
        }
        loaded.scheduler().observe(observer.scheduler(baseModelId));
        models.put(baseModelId, loaded);
        return loaded;
    }

    /** Loads a base model now and keeps it resident: it is never evicted to make room. */
    synchronized void preload(String baseModelId) throws IOException {
        get(baseModelId);
        preloaded.add(baseModelId);
    }

    /**
     * Runs an action on the resident base model, loading it again if it was evicted since the
     * request opened it; under the lock, so that it cannot be evicted before the sequence counts.
     */
    synchronized <T> T onResident(String baseModelId, ResidentAction<T> action) throws IOException {
        return action.apply(get(baseModelId));
    }

    /**
     * Whether a model of {@code bytes} fits, evicting the least recently used idle ones that are
     * not preloaded until it does.
     */
    private boolean makeRoom(String baseModelId, long bytes) {
        for (Iterator<ResidentModel> it = models.values().iterator();
                it.hasNext() && used() + bytes > budgetBytes; ) {
            ResidentModel candidate = it.next();
            if (candidate.idle() && !preloaded.contains(candidate.modelId())) {
                it.remove();
                evictions++;
                release(candidate);
                LOG.info(
                        () ->
                                "Evicted base model "
                                        + candidate.modelId()
                                        + " to load "
                                        + baseModelId
                                        + " within ANNEAL_SERVE_MODEL_MEMORY ("
                                        + MemorySetting.mib(budgetBytes)
                                        + ")");
            }
        }
        if (used() + bytes <= budgetBytes) {
            return true;
        }
        if (models.isEmpty()) {
            LOG.warning(
                    () ->
                            "Base model "
                                    + baseModelId
                                    + " takes "
                                    + MemorySetting.mib(bytes)
                                    + ", more than ANNEAL_SERVE_MODEL_MEMORY ("
                                    + MemorySetting.mib(budgetBytes)
                                    + "); loading it alone");
            return true;
        }
        return false;
    }

    private long used() {
        long used = 0;
        for (ResidentModel model : models.values()) {
            used += weightBytes(model.config());
        }
        return used;
    }

    private void closeIdleReplaced() {
        for (Iterator<ResidentModel> it = replaced.iterator(); it.hasNext(); ) {
            ResidentModel old = it.next();
            if (old.idle()) {
                it.remove();
                release(old);
            }
        }
    }

    private void release(ResidentModel model) {
        adapters.forget(model.adapters());
        model.close();
    }

    private ServingOverloadedException overloaded(String baseModelId, long bytes) {
        return new ServingOverloadedException(
                "Base model '"
                        + baseModelId
                        + "' ("
                        + MemorySetting.mib(bytes)
                        + ") does not fit in ANNEAL_SERVE_MODEL_MEMORY ("
                        + MemorySetting.mib(budgetBytes)
                        + ") while the models in memory are answering requests: retry after "
                        + RETRY_AFTER_SECONDS
                        + " s.",
                RETRY_AFTER_SECONDS);
    }

    /** Per resident base model, the model; a snapshot. */
    synchronized Map<String, ResidentModel> resident() {
        return new LinkedHashMap<>(models);
    }

    /** How many base models were evicted to make room. */
    synchronized long evictions() {
        return evictions;
    }

    @Override
    public synchronized void close() {
        models.values().forEach(this::release);
        models.clear();
        replaced.forEach(this::release);
        replaced.clear();
        tokenizers.values().forEach(TextTokenizer::close);
        tokenizers.clear();
    }
}
