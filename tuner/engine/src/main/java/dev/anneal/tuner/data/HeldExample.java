package dev.anneal.tuner.data;

/** An encoded example as training holds it in memory, counted against the run's data budget. */
public interface HeldExample {

    /** About how many bytes of heap the example takes. */
    long heldBytes();
}
