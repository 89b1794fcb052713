package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.checkpoint.CheckpointException;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.lora.LoraConfig;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A registered adapter's weights, by module path, checked against the base model's projections, in
 * a manager of their own.
 *
 * <p>Lifecycle: views lease it while they use it; once {@link #retire() retired} (removed from the
 * server) no new lease is granted, and its arrays are freed when the last lease is released. The
 * weights map is immutable, so concurrent forward passes read it without locking.
 */
final class LoadedAdapter {

    private static final String A = ".lora_A.weight";
    private static final String B = ".lora_B.weight";

    private final ServedAdapter info;
    private final NDManager manager;
    private final Map<String, LoraWeights> byModule;
    private int leases;
    private boolean retired;

    private LoadedAdapter(ServedAdapter info, NDManager manager, Map<String, LoraWeights> weights) {
        this.info = info;
        this.manager = manager;
        this.byModule = Map.copyOf(weights);
    }

    /**
     * Checks an adapter against the base model's projections and takes ownership of its arrays.
     *
     * @param info the adapter's id, source and config
     * @param adapter the loaded adapter, its arrays owned by {@code manager}
     * @param projections the base model's projections by module path
     * @param manager the adapter's own manager, closed when the adapter is freed
     * @return the adapter, ready to serve
     * @throws CheckpointException if a tensor is missing, of the wrong shape, or for a module the
     *     base lacks or the config does not target
     */
    static LoadedAdapter fit(
            ServedAdapter info,
            PeftAdapter adapter,
            Map<String, MultiLoraLinear> projections,
            NDManager manager)
            throws CheckpointException {
        LoraConfig config = adapter.config();
        String where = "Adapter '" + info.id() + "' (" + info.source() + ")";
        Set<String> unused = new LinkedHashSet<>(adapter.weights().keySet());
        float scale = (float) config.scaling();
        NDArray scaling = manager.create(new float[] {scale});
        Map<String, LoraWeights> weights = new LinkedHashMap<>();
        for (MultiLoraLinear projection : projections.values()) {
            String module = projection.modulePath();
            if (!config.targets(module)) {
                continue;
            }
            NDArray a = require(adapter, module + A, projection.loraAShape(config.r()), where);
            NDArray b = require(adapter, module + B, projection.loraBShape(config.r()), where);
            weights.put(module, new LoraWeights(a, b, scaling, scale));
            unused.remove(module + A);
            unused.remove(module + B);
        }
        if (!unused.isEmpty()) {
            throw new CheckpointException(
                    where
                            + " has tensors for modules the base model lacks or target_modules "
                            + config.targetModules()
                            + " does not name: "
                            + unused.stream().limit(5).toList());
        }
        return new LoadedAdapter(info, manager, weights);
    }

    private static NDArray require(PeftAdapter adapter, String name, Shape shape, String where)
            throws CheckpointException {
        NDArray array = adapter.weights().get(name);
        if (array == null) {
            throw new CheckpointException(
                    where + " has no tensor '" + PeftAdapter.PEFT_PREFIX + name + "'");
        }
        if (!array.getShape().equals(shape)) {
            throw new CheckpointException(
                    where
                            + ": tensor '"
                            + PeftAdapter.PEFT_PREFIX
                            + name
                            + "' has shape "
                            + array.getShape()
                            + " but the base model needs "
                            + shape);
        }
        return array;
    }

    ServedAdapter info() {
        return info;
    }

    /** The update of one projection, or {@code null} if the adapter does not target it. */
    LoraWeights weights(String modulePath) {
        return byModule.get(modulePath);
    }

    /**
     * Takes a lease, keeping the arrays alive until {@link #release()}.
     *
     * @return {@code false} if the adapter has been retired
     */
    synchronized boolean acquire() {
        if (retired) {
            return false;
        }
        leases++;
        return true;
    }

    /** Gives a lease back, freeing the arrays if it was the last one of a retired adapter. */
    synchronized void release() {
        leases--;
        if (retired && leases == 0) {
            manager.close();
        }
    }

    /** Refuses new leases; frees the arrays now if none is held, else when the last is released. */
    synchronized void retire() {
        if (retired) {
            return;
        }
        retired = true;
        if (leases == 0) {
            manager.close();
        }
    }
}
