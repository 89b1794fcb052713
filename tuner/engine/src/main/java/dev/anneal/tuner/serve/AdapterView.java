package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.KvCache;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link CausalLm} of one adapter over a {@link MultiAdapterModel}'s shared base weights, or of
 * the plain base model: what a request generates with.
 *
 * <p>Each forward pass hands the base model a parameter store naming this view's adapter, so views
 * of different adapters run concurrently without affecting each other; one view may also be used
 * from several threads, each with its own {@link KvCache}.
 *
 * <p>Lifecycle: a view of an adapter holds a lease on its weights, so that removing the adapter
 * while a request runs does not free them under it. Close the view when the request is done;
 * afterwards it refuses to run. Closing the base view does nothing.
 */
public final class AdapterView implements CausalLm, AutoCloseable {

    private final LlamaForCausalLM base;
    private final LoadedAdapter adapter;
    private final AdapterSelection store;
    private final AtomicBoolean closed = new AtomicBoolean();

    AdapterView(LlamaForCausalLM base, LoadedAdapter adapter, NDManager manager) {
        this.base = base;
        this.adapter = adapter;
        this.store = new AdapterSelection(manager, adapter);
    }

    /** The adapter this view applies, or empty for the plain base model. */
    public Optional<ServedAdapter> adapter() {
        return adapter == null ? Optional.empty() : Optional.of(adapter.info());
    }

    @Override
    public LlamaConfig config() {
        return base.config();
    }

    @Override
    public KvCache newKvCache(NDManager manager, int batchSize, int capacity) {
        return base.newKvCache(manager, batchSize, capacity);
    }

    @Override
    public NDArray logits(NDArray inputIds, KvCache cache) {
        requireOpen();
        return base.forward(store, inputIds, cache, false, false);
    }

    @Override
    public NDArray lastLogits(NDArray inputIds, KvCache cache) {
        requireOpen();
        return base.forward(store, inputIds, cache, false, true);
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException(
                    "The view of adapter '" + adapter.info().id() + "' is closed");
        }
    }

    /** Releases the lease on the adapter's weights; idempotent. */
    @Override
    public void close() {
        if (adapter != null && closed.compareAndSet(false, true)) {
            adapter.release();
        }
    }
}
