package dev.anneal.serving;

import dev.anneal.serving.scheduler.SchedulerLimits;
import dev.anneal.tuner.model.LlamaConfig;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Serving's settings, validated on construction; messages name the environment variable.
 *
 * @param maxAdapters {@code ANNEAL_SERVE_MAX_ADAPTERS}: the most LoRA adapters in memory, across
 *     base models
 * @param kvCache {@code ANNEAL_SERVE_KV_CACHE}: the KV-cache budget of each resident model, sized
 *     in tokens for the model when it loads ({@link #forModel})
 * @param maxWaiting {@code ANNEAL_SERVE_QUEUE}: the most requests waiting per base model
 * @param prefillChunk prompt tokens a sequence feeds per iteration
 * @param threads {@code ANNEAL_SERVE_THREADS}: libtorch intra-op threads of each engine thread, 0
 *     for as many as the process has cores ({@link #engineThreads})
 * @param maxFullModels {@code ANNEAL_SERVE_MAX_FULL_MODELS}: the most full fine-tunes in memory,
 *     across tenants
 * @param modelMemory {@code ANNEAL_SERVE_MODEL_MEMORY}: the most memory the weights of resident
 *     base models take together (float32, as loaded), a size or a share of the memory available
 *     when serving starts
 */
public record ServingConfig(
        int maxAdapters,
        KvCacheBudget kvCache,
        int maxWaiting,
        int prefillChunk,
        int threads,
        int maxFullModels,
        MemorySetting modelMemory) {

    /** The libtorch intra-op threads of each engine thread: {@link #threads}, or the cores. */
    public int engineThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** The prefill chunk when none is set. */
    public static final int DEFAULT_PREFILL_CHUNK = 64;

    /** The most full fine-tunes in memory when none is set. */
    public static final int DEFAULT_MAX_FULL_MODELS = 2;

    /** The base models' weights budget when none is set: half the memory available. */
    public static final String DEFAULT_MODEL_MEMORY = "50%";

    private static final Logger LOG = Logger.getLogger(ServingConfig.class.getName());

    /**
     * The settings, with the base models' weights budget as the environment gives it.
     *
     * @param modelMemory {@code ANNEAL_SERVE_MODEL_MEMORY}: a size with a unit or a share
     */
    public ServingConfig(
            int maxAdapters,
            KvCacheBudget kvCache,
            int maxWaiting,
            int prefillChunk,
            int threads,
            int maxFullModels,
            String modelMemory) {
        this(
                maxAdapters,
                kvCache,
                maxWaiting,
                prefillChunk,
                threads,
                maxFullModels,
                parseModelMemory(modelMemory));
    }

    /** The settings with a KV-cache budget in tokens. */
    public ServingConfig(
            int maxAdapters,
            int kvCacheTokens,
            int maxWaiting,
            int prefillChunk,
            int threads,
            int maxFullModels) {
        this(
                maxAdapters,
                new KvCacheBudget.Tokens(kvCacheTokens),
                maxWaiting,
                prefillChunk,
                threads,
                maxFullModels,
                DEFAULT_MODEL_MEMORY);
    }

    /** The settings with a KV-cache budget in tokens and {@link #DEFAULT_MAX_FULL_MODELS}. */
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
                    "ANNEAL_SERVE_THREADS must be 0 (as many as the cores) or more, got "
                            + threads);
        }
        Objects.requireNonNull(kvCache, "ANNEAL_SERVE_KV_CACHE");
        Objects.requireNonNull(modelMemory, "ANNEAL_SERVE_MODEL_MEMORY");
        // the budget itself is checked by its type; the other limits here
        new SchedulerLimits(1, maxWaiting, prefillChunk);
    }

    /**
     * These settings for one model, its KV-cache budget sized in tokens ({@link
     * KvCacheBudget#size}: from the memory available now for a size or a share), the result logged.
     *
     * @param modelId the model's id, for the log
     * @param model its shape
     * @return the settings, with a budget in tokens
     */
    public ServingConfig forModel(String modelId, LlamaConfig model) {
        return forModel(modelId, model, AvailableMemory::now);
    }

    /** As {@link #forModel(String, LlamaConfig)}, with the memory available given. */
    ServingConfig forModel(String modelId, LlamaConfig model, LongSupplier availableBytes) {
        KvCacheBudget.Sized sized = kvCache.size(model, availableBytes);
        LOG.info(
                () ->
                        String.format(
                                "KV-cache budget of %s: %d tokens (%s)",
                                modelId, sized.tokens(), sized.rule()));
        return new ServingConfig(
                maxAdapters,
                new KvCacheBudget.Tokens(sized.tokens()),
                maxWaiting,
                prefillChunk,
                threads,
                maxFullModels,
                modelMemory);
    }

    private static MemorySetting parseModelMemory(String setting) {
        String value = setting == null ? "" : setting.strip();
        return MemorySetting.parse(value, "ANNEAL_SERVE_MODEL_MEMORY")
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "ANNEAL_SERVE_MODEL_MEMORY must be a size with a unit"
                                                + " (4GiB, 8GB) or a share of available memory"
                                                + " (50%), got '"
                                                + setting
                                                + "'"));
    }

    /**
     * The limits of a model's scheduler, from settings sized for it by {@link #forModel}.
     *
     * @throws IllegalStateException if the budget is a size or a share not yet sized for a model
     */
    public SchedulerLimits schedulerLimits() {
        if (kvCache instanceof KvCacheBudget.Tokens tokens) {
            return new SchedulerLimits(tokens.tokens(), maxWaiting, prefillChunk);
        }
        throw new IllegalStateException(
                "ANNEAL_SERVE_KV_CACHE (" + kvCache + ") must be sized for a model first");
    }
}
