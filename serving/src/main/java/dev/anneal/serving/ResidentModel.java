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
 * base model (its weights once, shared by every adapter on it) or a full fine-tune (its own
 * weights, no adapters). Holds its tokenizer and generation defaults.
 */
final class ResidentModel implements AutoCloseable {

    private final String modelId;
    private final Path folder;
    private final MultiAdapterModel adapters;
    private final CausalLm plain;
    private final LlamaConfig config;
    private final AutoCloseable weights;
    private final TextTokenizer tokenizer;
    private final boolean ownsTokenizer;
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
            boolean ownsTokenizer,
            GenerationConfig defaults,
            ServingConfig serving) {
        this.modelId = modelId;
        this.folder = folder;
        this.adapters = adapters;
        this.plain = plain;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.ownsTokenizer = ownsTokenizer;
        this.defaults = defaults;
        this.scheduler =
                new Scheduler(
                        modelId,
                        serving.schedulerLimits(),
                        new BatchedForward(),
                        serving.threads());
    }

    /** Loads a base model folder and starts its engine thread. */
    static ResidentModel load(
            String baseModelId, Path folder, ServingConfig config, NDManager parent)
            throws IOException {
        TextTokenizer tokenizer = TextTokenizer.load(folder);
        MultiAdapterModel model;
        try {
            model = MultiAdapterModel.load(folder, parent);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        GenerationConfig defaults = GenerationConfig.defaultsFrom(folder).build();
        return new ResidentModel(
                baseModelId,
                folder,
                model,
                model.base(),
                model.baseModel().config(),
                model,
                tokenizer,
                true,
                defaults,
                config);
    }

    /**
     * Makes a full fine-tune resident and starts its engine thread.
     *
     * @param weights its model, loaded; the manager that owns its arrays
     * @param model its model
     * @param tokenizer its tokenizer, shared: left open when it closes
     * @param defaults its generation defaults
     */
    static ResidentModel full(
            String identity,
            NDManager weights,
            CausalLm model,
            TextTokenizer tokenizer,
            GenerationConfig defaults,
            ServingConfig config) {
        return new ResidentModel(
                identity,
                null,
                null,
                model,
                model.config(),
                weights,
                tokenizer,
                false,
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

    /** The base model with its adapters, {@code null} for a full fine-tune. */
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
        if (ownsTokenizer) {
            tokenizer.close();
        }
    }
}
