package dev.anneal.serving;

import dev.anneal.serving.adapter.AdapterArchive;
import dev.anneal.serving.adapter.AdapterCache;
import dev.anneal.serving.scheduler.Completion;
import dev.anneal.serving.scheduler.TokenListener;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.SequenceDecoder;
import dev.anneal.tuner.serve.AdapterView;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A model a request resolved to, ready to take sequences: a base model, a LoRA adapter on its
 * resident base, or a full fine-tune with its own weights. Holds no lease itself; each {@link
 * #submit} takes the adapter's view (loading the adapter again if it was evicted since), or the
 * full fine-tune from its cache (loading it again likewise).
 */
public final class ServedModel {

    private final ModelRef ref;
    private final ResidentModel resident;
    private final AdapterCache adapters;
    private final ModelStore store;
    private final FullModelCache fullModels;

    ServedModel(
            ModelRef ref,
            ResidentModel resident,
            AdapterCache adapters,
            ModelStore store,
            FullModelCache fullModels) {
        this.ref = ref;
        this.resident = resident;
        this.adapters = adapters;
        this.store = store;
        this.fullModels = fullModels;
    }

    /** The id the request asked for. */
    public String modelId() {
        return ref.modelId();
    }

    /** What the id resolved to. */
    public ModelRef ref() {
        return ref;
    }

    /**
     * The tokenizer (the base model's, for an adapter; the archive's, for a full fine-tune), with
     * its chat template.
     */
    public TextTokenizer tokenizer() {
        return resident.tokenizer();
    }

    /** The most tokens a sequence may hold, prompt included: {@code max_position_embeddings}. */
    public int contextLength() {
        return resident.config().maxPositionEmbeddings();
    }

    /**
     * The base model folder's generation defaults (its EOS tokens, its sampling settings); a full
     * fine-tune's are its base's, which its archive holds a copy of.
     */
    public GenerationConfig defaults() {
        return resident.defaults();
    }

    /**
     * Queues one sequence on the model's scheduler.
     *
     * @param promptIds the prompt, {@code [prompt]}, 1 to {@code contextLength() - 1} tokens
     * @param config how to generate
     * @param constraints the constraint of structured output, or {@code null}
     * @param listener hears the tokens and the end, on the engine thread
     * @return the handle to cancel it
     * @throws IOException if the adapter or full fine-tune had to be loaded and could not be
     * @throws KvCacheBudgetException if it needs more than the whole KV-cache budget
     * @throws ServingOverloadedException if too many requests wait already, or a full fine-tune had
     *     to be loaded again while every one in memory is busy
     */
    public Completion submit(
            long[] promptIds,
            GenerationConfig config,
            ConstraintFactory constraints,
            TokenListener listener)
            throws IOException {
        SequenceDecoder decoder =
                new SequenceDecoder(
                        tokenizer(),
                        promptIds,
                        config,
                        contextLength(),
                        constraints == null
                                ? null
                                : constraints.newConstraint(
                                        resident.vocabulary(),
                                        Math.min(
                                                config.maxNewTokens(),
                                                contextLength() - promptIds.length)));
        if (ref instanceof ModelRef.Full full) {
            return fullModels.submit(full, decoder, listener);
        }
        if (!(ref instanceof ModelRef.Lora lora)) {
            return resident.scheduler().submit(decoder, resident.plain(), null, listener);
        }
        AdapterView view =
                adapters.view(
                        lora.identity(),
                        resident.adapters(),
                        (model, adapterId) -> {
                            try (InputStream archive = store.openArchive(lora)) {
                                model.register(
                                        adapterId,
                                        Path.of(lora.modelId()),
                                        lora.baseModelId(),
                                        manager ->
                                                AdapterArchive.read(
                                                        archive, lora.modelId(), manager));
                            }
                        });
        return resident.scheduler().submit(decoder, view, view, listener);
    }
}
