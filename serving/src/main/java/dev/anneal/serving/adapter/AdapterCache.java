package dev.anneal.serving.adapter;

import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.serve.AdapterView;
import dev.anneal.tuner.serve.MultiAdapterModel;
import dev.anneal.tuner.serve.UnknownAdapterException;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LoRA adapters resident in memory, across every base model, at most {@code maxAdapters}:
 * loaded on first use, the least recently used removed from its base model when a new one needs the
 * room. Requests in flight on an evicted adapter finish undisturbed (their views lease its
 * weights); the next request for it loads it again.
 *
 * <p>Adapters are keyed by their stored identity (tenant and blob), never by model id alone, so a
 * deleted or replaced model is never answered from the cache. Thread-safe: one lock, held while an
 * adapter loads (adapters are small; loading means decrypting and parsing a few megabytes).
 */
public final class AdapterCache {

    private final int maxAdapters;
    private final LinkedHashMap<String, MultiAdapterModel> resident =
            new LinkedHashMap<>(16, 0.75f, true);
    private long hits;
    private long misses;
    private long evictions;

    /**
     * Creates an empty cache.
     *
     * @param maxAdapters the most adapters resident at once, {@code ANNEAL_SERVE_MAX_ADAPTERS}
     */
    public AdapterCache(int maxAdapters) {
        if (maxAdapters <= 0) {
            throw new IllegalArgumentException(
                    "ANNEAL_SERVE_MAX_ADAPTERS must be positive, got " + maxAdapters);
        }
        this.maxAdapters = maxAdapters;
    }

    /** Reads an adapter's archive, for a cache miss. */
    @FunctionalInterface
    public interface Loader {

        /**
         * Registers the adapter on its base model.
         *
         * @param model the base model
         * @param adapterId the id to register it under
         * @throws IOException if its archive cannot be read
         */
        void load(MultiAdapterModel model, String adapterId) throws IOException;
    }

    /**
     * The view of an adapter for one request, loading the adapter on a miss. Close the view when
     * the request is done.
     *
     * @param identity the adapter's stored identity, e.g. {@code tenant/blob}
     * @param model the base model it runs on
     * @param loader reads and registers it on a miss
     * @return the view, holding a lease on the adapter's weights
     * @throws IOException if it cannot be loaded
     */
    public synchronized AdapterView view(String identity, MultiAdapterModel model, Loader loader)
            throws IOException {
        MultiAdapterModel owner = resident.get(identity);
        if (owner == model) {
            try {
                AdapterView view = model.forAdapter(identity);
                hits++;
                return view;
            } catch (UnknownAdapterException e) {
                resident.remove(identity);
            }
        } else if (owner != null) {
            owner.remove(identity);
            resident.remove(identity);
        }
        misses++;
        makeRoom();
        // on the request's thread: single-threaded, so that it owns no OpenMP team (ADR 0051)
        try (DjlRuntime.SingleThreaded loading = DjlRuntime.singleThreaded()) {
            loader.load(model, identity);
        }
        resident.put(identity, model);
        return model.forAdapter(identity);
    }

    /** Removes every adapter of a base model (before the model is closed). */
    public synchronized void forget(MultiAdapterModel model) {
        resident.values().removeIf(m -> m == model);
    }

    private void makeRoom() {
        Iterator<Map.Entry<String, MultiAdapterModel>> eldest = resident.entrySet().iterator();
        while (resident.size() >= maxAdapters && eldest.hasNext()) {
            Map.Entry<String, MultiAdapterModel> entry = eldest.next();
            entry.getValue().remove(entry.getKey());
            eldest.remove();
            evictions++;
        }
    }

    /** Whether an adapter is resident; does not count as a use. */
    public synchronized boolean contains(String identity) {
        return resident.containsKey(identity);
    }

    /** A snapshot of the cache's counters. */
    public synchronized Stats stats() {
        return new Stats(resident.size(), hits, misses, evictions);
    }

    /**
     * The cache's counters.
     *
     * @param resident adapters in memory now
     * @param hits requests whose adapter was resident
     * @param misses requests that loaded their adapter
     * @param evictions adapters removed to make room
     */
    public record Stats(int resident, long hits, long misses, long evictions) {}
}
