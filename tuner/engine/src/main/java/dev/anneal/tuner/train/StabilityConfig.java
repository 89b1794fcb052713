package dev.anneal.tuner.train;

/**
 * The {@code stability} section of a recipe: what to do when training goes wrong.
 *
 * <p>A step whose loss or gradient norm is NaN or infinite is skipped (no update). A step whose
 * loss exceeds {@code spike_factor} times the mean of the last {@code spike_window} accepted losses
 * (once {@code min_history} are known) is a spike: training is rolled back to the last good
 * snapshot (taken in memory every {@code snapshot_every} steps), the learning rate is multiplied by
 * {@code lr_backoff}, the data is rewound to the snapshot and the batches read since are replayed,
 * all but the offending step's, which are skipped for good. The lowered rate then recovers
 * geometrically over {@code lr_recovery_steps} accepted steps (0: it stays lowered), so a single
 * bad batch does not slow the rest of the run down.
 *
 * @param skipNonFinite {@code skip_non_finite} (default true)
 * @param spikeFactor {@code spike_factor}: 0 turns spike detection off (default 3.0)
 * @param spikeWindow {@code spike_window}: losses in the running mean (default 20)
 * @param minHistory {@code min_history}: losses needed before spikes are detected (default 5)
 * @param snapshotEvery {@code snapshot_every}: steps between in-memory snapshots (default 10)
 * @param lrBackoff {@code lr_backoff}: learning-rate factor after a rollback, in (0, 1] (default
 *     0.5)
 * @param maxRollbacks {@code max_rollbacks}: rollbacks allowed before the run fails (default 5)
 * @param lrRecoverySteps {@code lr_recovery_steps}: accepted steps over which a backed-off learning
 *     rate returns to its level before the rollback (default 20; 0 keeps it lowered)
 */
public record StabilityConfig(
        boolean skipNonFinite,
        double spikeFactor,
        int spikeWindow,
        int minHistory,
        int snapshotEvery,
        double lrBackoff,
        int maxRollbacks,
        int lrRecoverySteps) {

    /** The defaults. */
    public static final StabilityConfig DEFAULT =
            new StabilityConfig(
                    /* skipNonFinite */ true,
                    /* spikeFactor */ 3.0,
                    /* spikeWindow */ 20,
                    /* minHistory */ 5,
                    /* snapshotEvery */ 10,
                    /* lrBackoff */ 0.5,
                    /* maxRollbacks */ 5,
                    /* lrRecoverySteps */ 20);

    /** Validates the section; messages name the key. */
    public StabilityConfig {
        if (spikeFactor != 0 && !(spikeFactor > 1)) {
            throw new IllegalArgumentException(
                    "stability.spike_factor must be above 1, or 0 to turn it off, got "
                            + spikeFactor);
        }
        if (spikeWindow <= 0) {
            throw new IllegalArgumentException(
                    "stability.spike_window must be positive, got " + spikeWindow);
        }
        if (minHistory <= 0 || minHistory > spikeWindow) {
            throw new IllegalArgumentException(
                    "stability.min_history must be in [1, spike_window], got " + minHistory);
        }
        if (snapshotEvery <= 0) {
            throw new IllegalArgumentException(
                    "stability.snapshot_every must be positive, got " + snapshotEvery);
        }
        if (!(lrBackoff > 0 && lrBackoff <= 1)) {
            throw new IllegalArgumentException(
                    "stability.lr_backoff must be in (0, 1], got " + lrBackoff);
        }
        if (lrRecoverySteps < 0) {
            throw new IllegalArgumentException(
                    "stability.lr_recovery_steps must not be negative, got " + lrRecoverySteps);
        }
        if (maxRollbacks < 0) {
            throw new IllegalArgumentException(
                    "stability.max_rollbacks must not be negative, got " + maxRollbacks);
        }
    }

    /**
     * The learning-rate scale after one more accepted step: a backed-off scale moves back toward 1
     * by the {@code lr_recovery_steps}-th root of {@code 1 / lr_backoff}.
     *
     * @param scale the scale before the step
     * @return the scale after it
     */
    public double recoverLearningRate(double scale) {
        if (lrRecoverySteps == 0 || scale >= 1) {
            return scale;
        }
        return Math.min(1.0, scale * Math.pow(1 / lrBackoff, 1.0 / lrRecoverySteps));
    }

    /** Whether spikes are detected at all. */
    public boolean detectsSpikes() {
        return spikeFactor > 0;
    }

    /** These settings with whether non-finite steps are skipped set to {@code skipNonFinite}. */
    public StabilityConfig withSkipNonFinite(boolean skipNonFinite) {
        return new StabilityConfig(
                skipNonFinite,
                spikeFactor,
                spikeWindow,
                minHistory,
                snapshotEvery,
                lrBackoff,
                maxRollbacks,
                lrRecoverySteps);
    }

    /**
     * These settings with the spike threshold over the running mean (0: no spike detection) set to
     * {@code spikeFactor}.
     */
    public StabilityConfig withSpikeFactor(double spikeFactor) {
        return new StabilityConfig(
                skipNonFinite,
                spikeFactor,
                spikeWindow,
                minHistory,
                snapshotEvery,
                lrBackoff,
                maxRollbacks,
                lrRecoverySteps);
    }

    /** These settings with the losses in the running mean set to {@code spikeWindow}. */
    public StabilityConfig withSpikeWindow(int spikeWindow) {
        return new StabilityConfig(
                skipNonFinite,
                spikeFactor,
                spikeWindow,
                minHistory,
                snapshotEvery,
                lrBackoff,
                maxRollbacks,
                lrRecoverySteps);
    }

    /**
     * These settings with the losses needed before spikes are detected set to {@code minHistory}.
     */
    public StabilityConfig withMinHistory(int minHistory) {
        return new StabilityConfig(
                skipNonFinite,
                spikeFactor,
                spikeWindow,
                minHistory,
                snapshotEvery,
                lrBackoff,
                maxRollbacks,
                lrRecoverySteps);
    }

    /** These settings with the steps between in-memory snapshots set to {@code snapshotEvery}. */
    public StabilityConfig withSnapshotEvery(int snapshotEvery) {
        return new StabilityConfig(
                skipNonFinite,
                spikeFactor,
                spikeWindow,
                minHistory,
                snapshotEvery,
                lrBackoff,
                maxRollbacks,
                lrRecoverySteps);
    }

    /** These settings with the learning-rate factor after a rollback set to {@code lrBackoff}. */
    public StabilityConfig withLrBackoff(double lrBackoff) {
        return new StabilityConfig(
                skipNonFinite,
                spikeFactor,
                spikeWindow,
                minHistory,
                snapshotEvery,
                lrBackoff,
                maxRollbacks,
                lrRecoverySteps);
    }

    /**
     * These settings with the rollbacks allowed before the run fails set to {@code maxRollbacks}.
     */
    public StabilityConfig withMaxRollbacks(int maxRollbacks) {
        return new StabilityConfig(
                skipNonFinite,
                spikeFactor,
                spikeWindow,
                minHistory,
                snapshotEvery,
                lrBackoff,
                maxRollbacks,
                lrRecoverySteps);
    }

    /**
     * These settings with the steps over which a backed-off learning rate recovers set to {@code
     * lrRecoverySteps}.
     */
    public StabilityConfig withLrRecoverySteps(int lrRecoverySteps) {
        return new StabilityConfig(
                skipNonFinite,
                spikeFactor,
                spikeWindow,
                minHistory,
                snapshotEvery,
                lrBackoff,
                maxRollbacks,
                lrRecoverySteps);
    }
}
