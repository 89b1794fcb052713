package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.KvCache;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link CausalLm} of one adapter over a {@link MultiAdapterModel}'s shared base weights, of a
 * stack of adapters (a LoRA trained on a model that was itself base plus a LoRA: {@link #stack}),
 * or of the plain base model: what a request generates with.
 *
 * <p>Each forward pass hands the base model a parameter store naming this view's adapters, so views
 * of different adapters run concurrently without affecting each other; one view may also be used
 * from several threads, each with its own {@link KvCache}.
 *
 * <p>Lifecycle: a view of adapters holds a lease on their weights, so that removing an adapter
 * while a request runs does not free them under it. Close the view when the request is done;
 * afterwards it refuses to run. Closing the base view does nothing.
 */
public final class AdapterView implements CausalLm, AutoCloseable {

    private final LlamaForCausalLM base;
    private final List<LoadedAdapter> adapters;
    private final NDManager manager;
    private final AdapterSelection store;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * A view applying adapters whose leases the caller has taken for it.
     *
     * @param adapters bottom first; empty for the plain base model
     */
    AdapterView(LlamaForCausalLM base, List<LoadedAdapter> adapters, NDManager manager) {
        this.base = base;
        this.adapters = List.copyOf(adapters);
        this.manager = manager;
        this.store = AdapterSelection.forAllRows(manager, this.adapters);
    }

    /**
     * A view applying several adapters at once, their updates added: the model a LoRA was trained
     * on when that model was itself a base with an adapter folded in (the worker folds it into the
     * weights; serving adds its update instead, equal up to rounding). Takes its own leases, so the
     * views given may be closed afterwards.
     *
     * @param layers open views of one base model, bottom first
     * @return the stacked view; close it when the request is done
     * @throws UnknownAdapterException if an adapter was removed and freed meanwhile
     */
    public static AdapterView stack(List<AdapterView> layers) {
        LlamaForCausalLM base = layers.get(0).base;
        List<LoadedAdapter> stacked = new ArrayList<>();
        for (AdapterView layer : layers) {
            if (layer.base != base) {
                throw new IllegalArgumentException("Stacked adapters must share one base model");
            }
            layer.requireOpen();
            stacked.addAll(layer.adapters);
        }
        List<LoadedAdapter> leased = new ArrayList<>();
        for (LoadedAdapter adapter : stacked) {
            if (!adapter.acquire()) {
                leased.forEach(LoadedAdapter::release);
                throw new UnknownAdapterException(adapter.info().id());
            }
            leased.add(adapter);
        }
        return new AdapterView(base, leased, layers.get(0).manager);
    }

    /**
     * The adapter this view applies (the top one of a stack), or empty for the plain base model.
     */
    public Optional<ServedAdapter> adapter() {
        return adapters.isEmpty()
                ? Optional.empty()
                : Optional.of(adapters.get(adapters.size() - 1).info());
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

    /**
     * One decoding step of several sequences of one base model at once, each with its own adapter
     * (or none) and its own cache: the base projections run once for the whole batch and each row
     * adds its adapter's low-rank update (rows are grouped by adapter internally, as Punica, S-LoRA
     * and LoRAX batch them). Each row gets the logits it would get alone through its view, up to
     * the rounding of batched products.
     *
     * @param views each row's view, all over the same base model and open
     * @param tokens each row's next token
     * @param caches each row's cache, of batch size 1; each advances by one token
     * @param manager the step's manager, closed by the caller after the step
     * @return per row, in order, the next-token logits {@code [vocab]}
     */
    public static List<float[]> decodeStep(
            List<AdapterView> views, long[] tokens, List<KvCache> caches, NDManager manager) {
        int rows = views.size();
        if (rows == 0 || tokens.length != rows || caches.size() != rows) {
            throw new IllegalArgumentException(
                    rows + " views, " + tokens.length + " tokens, " + caches.size() + " caches");
        }
        LlamaForCausalLM base = views.get(0).base;
        // rows of one adapter next to each other: each adapter's update is one product
        Map<List<LoadedAdapter>, List<Integer>> byAdapter = new LinkedHashMap<>();
        for (int row = 0; row < rows; row++) {
            AdapterView view = views.get(row);
            if (view.base != base) {
                throw new IllegalArgumentException("Rows of one step must share one base model");
            }
            view.requireOpen();
            byAdapter.computeIfAbsent(view.adapters, a -> new ArrayList<>()).add(row);
        }
        int[] order = new int[rows];
        long[] orderedTokens = new long[rows];
        List<KvCache> orderedCaches = new ArrayList<>(rows);
        List<AdapterSelection.Segment> segments = new ArrayList<>(byAdapter.size());
        int next = 0;
        for (Map.Entry<List<LoadedAdapter>, List<Integer>> group : byAdapter.entrySet()) {
            int start = next;
            for (int row : group.getValue()) {
                order[next] = row;
                orderedTokens[next] = tokens[row];
                orderedCaches.add(caches.get(row));
                next++;
            }
            segments.add(new AdapterSelection.Segment(start, next, group.getKey()));
        }
        NDArray logits =
                base.forwardRows(
                        new AdapterSelection(manager, segments),
                        manager.create(orderedTokens, new Shape(rows, 1)),
                        orderedCaches);
        float[] all = logits.toFloatArray();
        int vocab = all.length / rows;
        float[][] byRow = new float[rows][];
        for (int i = 0; i < rows; i++) {
            byRow[order[i]] = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
        }
        return Arrays.asList(byRow);
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException(
                    "The view of adapter '" + adapter().orElseThrow().id() + "' is closed");
        }
    }

    /** Releases the leases on the adapters' weights; idempotent. */
    @Override
    public void close() {
        if (!adapters.isEmpty() && closed.compareAndSet(false, true)) {
            adapters.forEach(LoadedAdapter::release);
        }
    }
}
