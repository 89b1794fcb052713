package dev.anneal.tuner.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (<a href="https://arxiv.org/abs/1711.05101">Loshchilov and
 * Hutter, 2019</a>), computed as PyTorch's {@code torch.optim.AdamW} does:
 *
 * <pre>
 * p = p * (1 - lr * weight_decay)                    (matrices only, see below)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * <p>Weight decay applies to parameters of two or more dimensions (projections, embeddings, LoRA
 * matrices) and not to vectors (norm weights, biases), as in nanoGPT and most fine-tuning tools.
 *
 * <p>State: the first and second moments of each parameter, by the parameter's name, in a manager
 * of the optimiser's own, and the step count {@code t}. {@link #state()} and {@link #restore} let a
 * checkpoint save and load it. Not thread-safe; close it to free the moments.
 */
public final class AdamW implements AutoCloseable {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private int stepCount;

    /**
     * Creates the optimiser with no state.
     *
     * @param parent the manager under which the optimiser's own is created
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param eps added to the denominator, positive
     * @param weightDecay decoupled decay factor, not negative
     */
    public AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.manager = parent.newSubManager();
    }

    /**
     * Applies one update to every parameter with a gradient.
     *
     * @param parameters each trainable parameter's current value by name; updated in place
     * @param gradients the gradient of each, same shapes; read only
     * @param learningRate the learning rate of this step
     * @param step the manager of the current step, which will own every temporary
     */
    public void step(
            Map<String, NDArray> parameters,
            Map<String, NDArray> gradients,
            double learningRate,
            NDManager step) {
        stepCount++;
        double correction1 = 1 - Math.pow(beta1, stepCount);
        double correction2Root = Math.sqrt(1 - Math.pow(beta2, stepCount));
        for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
            String name = entry.getKey();
            NDArray p = entry.getValue();
            NDArray g = gradients.get(name);
            NDArray m = firstMoments.computeIfAbsent(name, k -> manager.zeros(p.getShape()));
            NDArray v = secondMoments.computeIfAbsent(name, k -> manager.zeros(p.getShape()));
            try (NDManager scope = step.newSubManager()) {
                if (weightDecay > 0 && p.getShape().dimension() >= 2) {
                    p.muli(1 - learningRate * weightDecay);
                }
                m.muli(beta1).addi(scoped(g.mul(1 - beta1), scope));
                v.muli(beta2).addi(scoped(g.square(), scope).muli(1 - beta2));
                NDArray denominator = scoped(v.sqrt(), scope).divi(correction2Root).addi(eps);
                NDArray update = scoped(m.div(denominator), scope).muli(learningRate / correction1);
                p.subi(update);
            }
        }
    }

    private static NDArray scoped(NDArray temporary, NDManager scope) {
        temporary.attach(scope);
        return temporary;
    }

    /** Updates done so far: the {@code t} of the bias corrections. */
    public int stepCount() {
        return stepCount;
    }

    /**
     * The moments, live: {@code exp_avg.NAME} and {@code exp_avg_sq.NAME} (PyTorch's names), for a
     * checkpoint to save.
     *
     * @return name to array, owned by the optimiser
     */
    public Map<String, NDArray> state() {
        Map<String, NDArray> state = new LinkedHashMap<>();
        firstMoments.forEach((name, array) -> state.put("exp_avg." + name, array));
        secondMoments.forEach((name, array) -> state.put("exp_avg_sq." + name, array));
        return Collections.unmodifiableMap(state);
    }

    /**
     * Replaces the state with a saved one, copying the values.
     *
     * @param state arrays named as {@link #state()} names them
     * @param savedStepCount the saved {@link #stepCount()}
     */
    public void restore(Map<String, NDArray> state, int savedStepCount) {
        firstMoments.values().forEach(NDArray::close);
        secondMoments.values().forEach(NDArray::close);
        firstMoments.clear();
        secondMoments.clear();
        for (Map.Entry<String, NDArray> entry : state.entrySet()) {
            String key = entry.getKey();
            NDArray copy = entry.getValue().duplicate();
            copy.attach(manager);
            if (key.startsWith("exp_avg_sq.")) {
                secondMoments.put(key.substring("exp_avg_sq.".length()), copy);
            } else if (key.startsWith("exp_avg.")) {
                firstMoments.put(key.substring("exp_avg.".length()), copy);
            } else {
                copy.close();
                throw new IllegalArgumentException("Unknown AdamW state tensor '" + key + "'");
            }
        }
        this.stepCount = savedStepCount;
    }

    @Override
    public void close() {
        manager.close();
    }
}
