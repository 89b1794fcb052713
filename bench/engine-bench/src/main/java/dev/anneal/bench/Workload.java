package dev.anneal.bench;

import java.util.function.IntConsumer;

/**
 * Engine work that {@link MemoryBench} repeats step after step, sampling the resident memory
 * between steps: generation requests, or optimizer steps of a training run. Not thread-safe; close
 * it to free its model.
 */
interface Workload extends AutoCloseable {

    /** What one step does, for the table's caption. */
    String describe();

    /**
     * Runs the steps, calling {@code afterStep} once after each with its number, on the calling
     * thread, with no engine work in flight.
     *
     * @param steps how many steps
     * @param afterStep receives the number of each step done, from 1
     */
    void run(int steps, IntConsumer afterStep) throws Exception;

    @Override
    void close() throws Exception;
}
