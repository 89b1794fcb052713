package dev.anneal.serving;

import ai.djl.ndarray.NDManager;
import dev.anneal.serving.scheduler.BatchedForward;
import dev.anneal.serving.scheduler.Scheduler;
import dev.anneal.serving.scheduler.SchedulerStats;
import dev.anneal.serving.structured.Vocabulary;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.serve.MultiAdapterModel;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A model loaded for serving, with its own scheduler whose engine thread runs all its sequences: a
 * base model or a full fine-tune, its weights once, shared by every adapter on it. Holds its
 * generation defaults and its tokenizer, which its cache owns (shared, and left open when the model
 * closes).
 */
final class ResidentModel implements AutoCloseable {

    private final String modelId;
    private final Path folder;
    private final MultiAdapterModel adapters;
    private final CausalLm plain;
    private final LlamaConfig config;
    private final AutoCloseable weights;
    private final TextTokenizer tokenizer;
    private final GenerationConfig defaults;
    private final Scheduler scheduler;
    private Vocabulary vocabulary;

    private ResidentModel(
            String modelId,
            Path folder,
            MultiAdapterModel adapters,
            CausalLm plain,
            LlamaConfig config,
            AutoCloseable weights,
            TextTokenizer tokenizer,
            GenerationConfig defaults,
            ServingConfig serving) {
        this.modelId = modelId;
        this.folder = folder;
        this.adapters = adapters;
        this.plain = plain;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.scheduler =
                new Scheduler(
                        modelId,
                        serving.schedulerLimits(),
                        new BatchedForward(),
                        serving.engineThreads());
    }

    /**
     * Loads a base model folder and starts its engine thread.
     *
     * @param tokenizer the folder's tokenizer, shared: left open when the model closes, so that a
     *     request that encoded its prompt with it can still decode after an eviction
     */
    static ResidentModel load(
            String baseModelId,
            Path folder,
            TextTokenizer tokenizer,
            ServingConfig config,
            NDManager parent)
            throws IOException {
        MultiAdapterModel model = MultiAdapterModel.load(folder, parent);
        GenerationConfig defaults = GenerationConfig.defaultsFrom(folder).build();
        return new ResidentModel(
                baseModelId,
                folder,
                model,
                model.base(),
                model.baseModel().config(),
                model,
                tokenizer,
                defaults,
                config);
    }

    /**
     * Makes a full fine-tune resident and starts its engine thread.
     *
     * @param identity its tenant and blob
     * @param model its weights, loaded, ready to take adapters; closed with it
     * @param tokenizer its tokenizer, shared: left open when it closes
     * @param defaults its generation defaults
     */
    static ResidentModel full(
            String identity,
            MultiAdapterModel model,
            TextTokenizer tokenizer,
            GenerationConfig defaults,
            ServingConfig config) {
        return new ResidentModel(
                identity,
                null,
                model,
                model.base(),
                model.baseModel().config(),
                model,
                tokenizer,
                defaults,
                config);
    }

    /** The base model's id, or the full fine-tune's identity (tenant and blob). */
    String modelId() {
        return modelId;
    }

    /** The base model's folder, {@code null} for a full fine-tune. */
    Path folder() {
        return folder;
    }

    /** The weights (a base model's or a full fine-tune's) with the adapters registered on them. */
    MultiAdapterModel adapters() {
        return adapters;
    }

    /** The model without adapter: the base, or the full fine-tune. */
    CausalLm plain() {
        return plain;
    }

    LlamaConfig config() {
        return config;
    }

    TextTokenizer tokenizer() {
        return tokenizer;
    }

    GenerationConfig defaults() {
        return defaults;
    }

    /**
     * The vocabulary constrained decoding walks, built on first use (about 12 µs per token, once)
     * with the model's end-of-sequence tokens as the ones that end a structured answer.
     */
    synchronized Vocabulary vocabulary() {
        if (vocabulary == null) {
            vocabulary =
                    Vocabulary.of(
                            tokenizer, config.vocabSize(), Set.copyOf(defaults.eosTokenIds()));
        }
        return vocabulary;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    /** Whether no sequence runs or waits on it: a snapshot. */
    boolean idle() {
        SchedulerStats stats = scheduler.stats();
        return stats.running() == 0 && stats.waiting() == 0;
    }

    @Override
    public void close() {
        scheduler.close();
        try {
            weights.close();
        } catch (Exception e) {
            throw new IllegalStateException("Closing the weights of " + modelId, e);
        }
    }
}
