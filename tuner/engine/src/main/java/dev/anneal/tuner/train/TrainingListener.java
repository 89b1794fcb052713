package dev.anneal.tuner.train;

/**
 * Receives a run's {@link TrainingEvent}s, on the training thread, in order. A listener that is
 * slow slows training; one that throws stops it.
 */
@FunctionalInterface
public interface TrainingListener {

    /** A listener that ignores everything. */
    TrainingListener NONE = event -> {};

    /**
     * Handles one event.
     *
     * @param event the event; match on its record type
     */
    void onEvent(TrainingEvent event);
}
