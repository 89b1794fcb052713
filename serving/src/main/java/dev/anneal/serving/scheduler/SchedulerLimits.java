package dev.anneal.serving.scheduler;

/**
 * The limits of one scheduler, validated on construction.
 *
 * @param kvCacheTokens the KV-cache budget in tokens: the sum of the capacities (prompt plus most
 *     new tokens) of the running sequences never exceeds it; a sequence waits for room
 * @param maxWaiting the most sequences waiting for admission; beyond, submissions are refused
 * @param prefillChunk the most prompt tokens a sequence feeds per iteration, so that a long prompt
 *     does not stall the decoding of the others
 */
public record SchedulerLimits(int kvCacheTokens, int maxWaiting, int prefillChunk) {

    /** Checks every limit; messages name the setting. */
    public SchedulerLimits {
        if (kvCacheTokens <= 0) {
            throw new IllegalArgumentException(
                    "ANNEAL_SERVE_KV_CACHE must be positive, got " + kvCacheTokens);
        }
        if (maxWaiting < 0) {
            throw new IllegalArgumentException(
                    "ANNEAL_SERVE_QUEUE must be 0 or more, got " + maxWaiting);
        }
        if (prefillChunk <= 0) {
            throw new IllegalArgumentException(
                    "the prefill chunk must be positive, got " + prefillChunk);
        }
    }
}
