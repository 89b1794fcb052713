package dev.anneal.serving;

import dev.anneal.serving.scheduler.SchedulerLimits;

/**
 * Serving's settings, validated on construction; messages name the environment variable.
 *
 * @param maxAdapters {@code ANNEAL_SERVE_MAX_ADAPTERS}: the most LoRA adapters in memory, across
 *     base models
 * @param kvCacheTokens {@code ANNEAL_SERVE_KV_CACHE}: the KV-cache budget of each resident base
 *     model, in tokens
 * @param maxWaiting {@code ANNEAL_SERVE_QUEUE}: the most requests waiting per base model
 * @param prefillChunk prompt tokens a sequence feeds per iteration
 * @param threads {@code ANNEAL_SERVE_THREADS}: libtorch intra-op threads asked for on each engine
 *     thread, 0 to leave DJL's setting
 * @param maxFullModels {@code ANNEAL_SERVE_MAX_FULL_MODELS}: the most full fine-tunes in memory,
 *     across tenants
 */
public record ServingConfig(
        int maxAdapters,
        int kvCacheTokens,
        int maxWaiting,
        int prefillChunk,
        int threads,
        int maxFullModels) {

    /** The prefill chunk when none is set. */
    public static final int DEFAULT_PREFILL_CHUNK = 64;

    /** The most full fine-tunes in memory when none is set. */
    public static final int DEFAULT_MAX_FULL_MODELS = 2;

    /** The settings with {@link #DEFAULT_MAX_FULL_MODELS}. */
    public ServingConfig(
            int maxAdapters, int kvCacheTokens, int maxWaiting, int prefillChunk, int threads) {
        this(
                maxAdapters,
                kvCacheTokens,
                maxWaiting,
                prefillChunk,
                threads,
                DEFAULT_MAX_FULL_MODELS);
    }

    /** Checks every setting. */
    public ServingConfig {
        if (maxAdapters <= 0) {
            throw new IllegalArgumentException(
                    "ANNEAL_SERVE_MAX_ADAPTERS must be positive, got " + maxAdapters);
        }
        if (maxFullModels <= 0) {
            throw new IllegalArgumentException(
                    "ANNEAL_SERVE_MAX_FULL_MODELS must be positive, got " + maxFullModels);
        }
        if (threads < 0) {
            throw new IllegalArgumentException(
                    "ANNEAL_SERVE_THREADS must be 0 (DJL's default) or more, got " + threads);
        }
        limits(kvCacheTokens, maxWaiting, prefillChunk);
    }

    /** The limits of each base model's scheduler. */
    public SchedulerLimits schedulerLimits() {
        return limits(kvCacheTokens, maxWaiting, prefillChunk);
    }

    private static SchedulerLimits limits(int kvCacheTokens, int maxWaiting, int prefillChunk) {
        return new SchedulerLimits(kvCacheTokens, maxWaiting, prefillChunk);
    }
}
