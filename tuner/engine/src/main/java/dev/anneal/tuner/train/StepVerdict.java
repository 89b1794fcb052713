package dev.anneal.tuner.train;

/**
 * What the stability rules make of a step once its loss and gradient norm are known, before any
 * weight changes.
 */
public enum StepVerdict {
    /** Clip, update, go on. */
    APPLY,
    /** The loss is NaN or infinite: make no update. */
    SKIP_NON_FINITE_LOSS,
    /** A gradient is NaN or infinite: make no update. */
    SKIP_NON_FINITE_GRADIENT,
    /** The loss spiked: restore the last good snapshot and lower the learning rate. */
    ROLL_BACK;

    /**
     * Judges a step.
     *
     * @param loss the step's loss
     * @param gradNorm the global norm of its gradients
     * @param spikes the detector holding the recent accepted losses
     * @return the verdict; non-finite values take precedence over spikes
     */
    public static StepVerdict of(double loss, double gradNorm, LossSpikeDetector spikes) {
        if (!Double.isFinite(loss)) {
            return SKIP_NON_FINITE_LOSS;
        }
        if (!Double.isFinite(gradNorm)) {
            return SKIP_NON_FINITE_GRADIENT;
        }
        return spikes.isSpike(loss) ? ROLL_BACK : APPLY;
    }

    /** The event's reason for a skip verdict. */
    public TrainingEvent.SkipReason skipReason() {
        switch (this) {
            case SKIP_NON_FINITE_LOSS:
                return TrainingEvent.SkipReason.NON_FINITE_LOSS;
            case SKIP_NON_FINITE_GRADIENT:
                return TrainingEvent.SkipReason.NON_FINITE_GRADIENT;
            default:
                throw new IllegalStateException(this + " is not a skip");
        }
    }
}
