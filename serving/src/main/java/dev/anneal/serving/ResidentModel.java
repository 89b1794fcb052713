package dev.anneal.serving;

import ai.djl.ndarray.NDManager;
import dev.anneal.serving.scheduler.Scheduler;
import dev.anneal.serving.scheduler.SequentialForward;
import dev.anneal.serving.structured.Vocabulary;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.serve.MultiAdapterModel;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A base model loaded for serving: its weights once, shared by every adapter on it, its tokenizer,
 * its generation defaults, and the scheduler whose engine thread runs all its sequences.
 */
final class ResidentModel implements AutoCloseable {

    private final String baseModelId;
    private final Path folder;
    private final MultiAdapterModel model;
    private final TextTokenizer tokenizer;
    private final GenerationConfig defaults;
    private final Scheduler scheduler;
    private Vocabulary vocabulary;

    private ResidentModel(
            String baseModelId,
            Path folder,
            MultiAdapterModel model,
            TextTokenizer tokenizer,
            GenerationConfig defaults,
            Scheduler scheduler) {
        this.baseModelId = baseModelId;
        this.folder = folder;
        this.model = model;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.scheduler = scheduler;
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
        Scheduler scheduler =
                new Scheduler(
                        baseModelId,
                        config.schedulerLimits(),
                        new SequentialForward(),
                        config.threads());
        return new ResidentModel(baseModelId, folder, model, tokenizer, defaults, scheduler);
    }

    String baseModelId() {
        return baseModelId;
    }

    Path folder() {
        return folder;
    }

    MultiAdapterModel model() {
        return model;
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
                            tokenizer,
                            model.baseModel().config().vocabSize(),
                            Set.copyOf(defaults.eosTokenIds()));
        }
        return vocabulary;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public void close() {
        scheduler.close();
        model.close();
        tokenizer.close();
    }
}
