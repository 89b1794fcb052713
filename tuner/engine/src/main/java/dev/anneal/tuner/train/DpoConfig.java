package dev.anneal.tuner.train;

/**
 * The {@code dpo} section of a recipe: the settings of Direct Preference Optimization.
 *
 * @param beta {@code dpo.beta}: the temperature of the implicit reward {@code beta * log(pi /
 *     pi_ref)}, how far the policy may drift from the reference (default 0.1, as in TRL)
 */
public record DpoConfig(double beta) {

    /** The defaults. */
    public static final DpoConfig DEFAULT = new DpoConfig(0.1);

    /** Validates the section; messages name the key. */
    public DpoConfig {
        if (!(beta > 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("dpo.beta must be a positive number, got " + beta);
        }
    }
}
