package dev.anneal.bench;

/**
 * One unit of engine work that {@link MemoryBench} repeats, sampling the resident memory between
 * units: a generation request, or (once the recipe engine exists) a training step. Not thread-safe;
 * close it to free its model.
 */
interface Workload extends AutoCloseable {

    /** What one step does, for the table's caption. */
    String describe();

    /**
     * Runs one step.
     *
     * @param step the step's number, from 1
     */
    void step(int step) throws Exception;

    @Override
    void close() throws Exception;
}
