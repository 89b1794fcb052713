package dev.anneal.tuner.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collection;

/**
 * Clipping by global gradient norm (<a href="https://arxiv.org/abs/1211.5063">Pascanu et al.,
 * 2013</a>), as PyTorch's {@code clip_grad_norm_}: when the L2 norm of all gradients together
 * exceeds {@code max_norm}, every gradient is scaled by {@code max_norm / (norm + 1e-6)}.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * The L2 norm of all gradients taken as one vector.
     *
     * @param gradients the gradients
     * @param step the manager of the current step, owning the temporaries
     * @return the norm; NaN or infinite when a gradient is
     */
    public static double globalNorm(Collection<NDArray> gradients, NDManager step) {
        double sumOfSquares = 0;
        try (NDManager scope = step.newSubManager()) {
            for (NDArray gradient : gradients) {
                NDArray squares = gradient.square().sum();
                squares.attach(scope);
                sumOfSquares += squares.getFloat();
            }
        }
        return Math.sqrt(sumOfSquares);
    }

    /**
     * Scales the gradients in place when their global norm exceeds the limit.
     *
     * @param gradients the gradients, modified in place
     * @param norm their global norm, from {@link #globalNorm}
     * @param maxNorm the limit, positive
     * @return whether they were scaled
     */
    public static boolean clip(Collection<NDArray> gradients, double norm, double maxNorm) {
        double factor = maxNorm / (norm + 1e-6);
        if (factor >= 1) {
            return false;
        }
        for (NDArray gradient : gradients) {
            gradient.muli(factor);
        }
        return true;
    }
}
