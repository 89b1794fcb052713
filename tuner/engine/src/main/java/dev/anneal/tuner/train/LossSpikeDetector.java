package dev.anneal.tuner.train;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Tells a loss spike from ordinary noise: a loss above {@code factor} times the mean of the last
 * {@code window} accepted losses, once at least {@code minHistory} are known. Its state (the recent
 * losses) is part of a checkpoint, so that a resumed run judges spikes as the original would.
 */
public final class LossSpikeDetector {

    private final double factor;
    private final int window;
    private final int minHistory;
    private final Deque<Double> recent = new ArrayDeque<>();

    /**
     * Creates the detector with no history.
     *
     * @param config the thresholds
     */
    public LossSpikeDetector(StabilityConfig config) {
        this.factor = config.spikeFactor();
        this.window = config.spikeWindow();
        this.minHistory = config.minHistory();
    }

    /**
     * Whether a loss is a spike. Detection off ({@code spike_factor: 0}) never reports one.
     *
     * @param loss the step's loss, finite
     * @return whether it exceeds the threshold
     */
    public boolean isSpike(double loss) {
        return factor > 0 && recent.size() >= minHistory && loss > factor * runningMean();
    }

    /** The mean of the recent accepted losses, NaN with none. */
    public double runningMean() {
        return recent.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /**
     * Records an accepted loss.
     *
     * @param loss the loss of a step that was applied
     */
    public void accept(double loss) {
        recent.addLast(loss);
        while (recent.size() > window) {
            recent.removeFirst();
        }
    }

    /** The recent accepted losses, oldest first. */
    public List<Double> history() {
        return new ArrayList<>(recent);
    }

    /**
     * Replaces the history with a saved one.
     *
     * @param losses the recent accepted losses, oldest first
     */
    public void restore(List<Double> losses) {
        recent.clear();
        losses.forEach(this::accept);
    }
}
