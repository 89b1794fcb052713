package dev.anneal.tuner.train;

/**
 * The {@code optimizer} section of a recipe: AdamW and gradient clipping.
 *
 * @param lr {@code lr}: the peak learning rate (default 2e-4)
 * @param weightDecay {@code weight_decay}: decoupled weight decay of matrices (default 0)
 * @param beta1 {@code beta1} (default 0.9)
 * @param beta2 {@code beta2} (default 0.999)
 * @param eps {@code eps} (default 1e-8)
 * @param maxGradNorm {@code max_grad_norm}: clip the global gradient norm to this, 0 for no
 *     clipping (default 1.0)
 */
public record OptimizerConfig(
        double lr, double weightDecay, double beta1, double beta2, double eps, double maxGradNorm) {

    /** Validates the section; messages name the key. */
    public OptimizerConfig {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("optimizer.lr must be positive, got " + lr);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException(
                    "optimizer.weight_decay must not be negative, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("optimizer.beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("optimizer.beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("optimizer.eps must be positive, got " + eps);
        }
        if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException(
                    "optimizer.max_grad_norm must not be negative, got " + maxGradNorm);
        }
    }

    /**
     * AdamW at learning rate {@code lr} with the usual settings: no weight decay, β = (0.9, 0.999),
     * ε = 1e-8, gradient norms clipped at 1.
     */
    public static OptimizerConfig adamW(double lr) {
        return new OptimizerConfig(lr, 0.0, 0.9, 0.999, 1e-8, 1.0);
    }

    /** This configuration with decoupled weight decay {@code weightDecay}. */
    public OptimizerConfig withWeightDecay(double weightDecay) {
        return new OptimizerConfig(lr, weightDecay, beta1, beta2, eps, maxGradNorm);
    }

    /** This configuration with the moment decay rates {@code beta1} and {@code beta2}. */
    public OptimizerConfig withBetas(double beta1, double beta2) {
        return new OptimizerConfig(lr, weightDecay, beta1, beta2, eps, maxGradNorm);
    }

    /** This configuration with the denominator's {@code eps}. */
    public OptimizerConfig withEps(double eps) {
        return new OptimizerConfig(lr, weightDecay, beta1, beta2, eps, maxGradNorm);
    }

    /** This configuration with gradients clipped at norm {@code maxGradNorm} (0: no clipping). */
    public OptimizerConfig withMaxGradNorm(double maxGradNorm) {
        return new OptimizerConfig(lr, weightDecay, beta1, beta2, eps, maxGradNorm);
    }
}
