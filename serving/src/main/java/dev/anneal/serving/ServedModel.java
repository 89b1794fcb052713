package dev.anneal.serving;

import dev.anneal.serving.adapter.AdapterArchive;
import dev.anneal.serving.adapter.AdapterCache;
import dev.anneal.serving.completion.CompletionListener;
import dev.anneal.serving.completion.EncodedPrompt;
import dev.anneal.serving.completion.Prompt;
import dev.anneal.serving.completion.Sampling;
import dev.anneal.serving.completion.SequenceResult;
import dev.anneal.serving.completion.TokenLogprobs;
import dev.anneal.serving.scheduler.Completion;
import dev.anneal.serving.scheduler.TokenListener;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.generate.SequenceDecoder;
import dev.anneal.tuner.serve.AdapterView;
import dev.anneal.tuner.serve.MultiAdapterModel;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model a request resolved to, ready to take sequences: a base model, a LoRA adapter on its
 * resident base, or a full fine-tune with its own weights. Holds no lease itself; each {@link
 * #submit} takes the adapter's view (loading the adapter again if it was evicted since), or the
 * full fine-tune from its cache (loading it again likewise).
 *
 * <p>Its public face speaks serving's own types ({@link Prompt}, {@link Sampling}, {@link
 * CompletionListener}); this class is where they become the engine's (tokenizer and chat template,
 * {@link GenerationConfig}, {@link SequenceDecoder} steps).
 */
public final class ServedModel {

    private final ModelRef ref;
    private final ResidentModel resident;
    private final AdapterCache adapters;
    private final ModelStore store;
    private final BaseModelCache baseModels;
    private final FullModelCache fullModels;

    ServedModel(
            ModelRef ref,
            ResidentModel resident,
            AdapterCache adapters,
            ModelStore store,
            BaseModelCache baseModels,
            FullModelCache fullModels) {
        this.ref = ref;
        this.resident = resident;
        this.adapters = adapters;
        this.store = store;
        this.baseModels = baseModels;
        this.fullModels = fullModels;
    }

    /** The id the request asked for. */
    public String modelId() {
        return ref.modelId();
    }

    /**
     * The base model the request runs on: the model itself, or the base model at the root of its
     * lineage (a full fine-tune's, under any LoRA adapters).
     */
    public String baseModelId() {
        ModelRef weights = ref instanceof ModelRef.Lora lora ? lora.root() : ref;
        return weights instanceof ModelRef.Full full ? full.baseModelId() : weights.modelId();
    }

    /** What the id resolved to. */
    public ModelRef ref() {
        return ref;
    }

    /**
     * The tokenizer (the base model's, for an adapter; the archive's, for a full fine-tune), with
     * its chat template.
     */
    TextTokenizer tokenizer() {
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
    GenerationConfig defaults() {
        return resident.defaults();
    }

    /**
     * Encodes a prompt with this model's tokenizer: a conversation through its chat template, with
     * the assistant's turn opened; a text as it is, with the tokenizer's special tokens.
     *
     * @param prompt the prompt
     * @return the encoded prompt, to submit to this model
     */
    public EncodedPrompt encode(Prompt prompt) {
        TextTokenizer tokenizer = tokenizer();
        long[] ids =
                prompt instanceof Prompt.Chat chat
                        ? tokenizer
                                .encodeChat(
                                        chat.messages().stream()
                                                .map(ServedModel::engineMessage)
                                                .toList(),
                                        true)
                                .ids()
                        : tokenizer.encode(((Prompt.Text) prompt).text());
        return new EncodedPrompt(prompt, ids, tokenizer.decode(ids));
    }

    private static ChatMessage engineMessage(Prompt.Message message) {
        ChatMessage.Role role =
                switch (message.role()) {
                    case SYSTEM -> ChatMessage.Role.SYSTEM;
                    case USER -> ChatMessage.Role.USER;
                    case ASSISTANT -> ChatMessage.Role.ASSISTANT;
                };
        return new ChatMessage(role, message.content());
    }

    /**
     * Queues one sequence on the model's scheduler. A conversation's answer also ends at the chat
     * template's end-of-turn markers, which never appear in it.
     *
     * @param prompt the prompt, encoded by this model, 1 to {@code contextLength() - 1} tokens
     * @param sampling how to generate; the end-of-sequence tokens are the model's own
     * @param constraints the constraint of structured output, or {@code null}
     * @param listener hears the tokens and the end, on the engine thread
     * @return the handle to cancel it
     * @throws IOException if the adapter or full fine-tune had to be loaded and could not be
     * @throws KvCacheBudgetException if it needs more than the whole KV-cache budget
     * @throws ServingOverloadedException if too many requests wait already, or a full fine-tune had
     *     to be loaded again while every one in memory is busy
     */
    public Completion submit(
            EncodedPrompt prompt,
            Sampling sampling,
            ConstraintFactory constraints,
            CompletionListener listener)
            throws IOException {
        GenerationConfig config =
                defaults().toBuilder()
                        .optMaxNewTokens(sampling.maxTokens())
                        .optTemperature(sampling.temperature())
                        .optTopK(0)
                        .optTopP(sampling.topP())
                        .optStopSequences(sampling.stop())
                        .optLogprobs(sampling.logprobs())
                        .optSeed(sampling.seed())
                        .build();
        if (prompt.chat()) {
            config = Generator.chatConfig(tokenizer(), config);
        }
        return submit(prompt.ids(), config, constraints, new ListenerBridge(listener));
    }

    /** Hands the engine's steps to a {@link CompletionListener} in serving's terms. */
    private record ListenerBridge(CompletionListener listener) implements TokenListener {

        @Override
        public void onToken(SequenceDecoder.TokenStep step) {
            listener.onToken(step.textDelta(), logprobs(step.logprobs()));
        }

        @Override
        public void onFinish(GenerationResult result) {
            listener.onFinish(
                    new SequenceResult(
                            result.text(),
                            result.generatedIds().length,
                            result.finishReason() == GenerationResult.FinishReason.LENGTH
                                    ? SequenceResult.FinishReason.LENGTH
                                    : SequenceResult.FinishReason.STOP));
        }

        @Override
        public void onError(RuntimeException error) {
            listener.onError(error);
        }

        private static TokenLogprobs logprobs(dev.anneal.tuner.generate.TokenLogprobs step) {
            if (step == null) {
                return null;
            }
            List<TokenLogprobs.Token> top = step.top().stream().map(ListenerBridge::token).toList();
            return new TokenLogprobs(token(step.chosen()), top);
        }

        private static TokenLogprobs.Token token(
                dev.anneal.tuner.generate.TokenLogprobs.Token token) {
            return new TokenLogprobs.Token(token.text(), token.logprob());
        }
    }

    /**
     * Queues one sequence on the model's scheduler, in the engine's terms.
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
    Completion submit(
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
        ModelRef weights = ref instanceof ModelRef.Lora lora ? lora.root() : ref;
        if (weights instanceof ModelRef.Full full) {
            // loaded again if evicted since open, and not evicted before the sequence counts
            return fullModels.onResident(full, model -> submitTo(model, decoder, listener));
        }
        // likewise for a base model, evicted to make room for another
        return baseModels.onResident(
                weights.modelId(), model -> submitTo(model, decoder, listener));
    }

    /** Queues a sequence on resident weights, with the request's adapters if it has any. */
    private Completion submitTo(
            ResidentModel model, SequenceDecoder decoder, TokenListener listener)
            throws IOException {
        if (!(ref instanceof ModelRef.Lora lora)) {
            return model.scheduler().submit(decoder, model.plain(), null, listener);
        }
        AdapterView view = view(lora, model.adapters());
        return model.scheduler().submit(decoder, view, view, listener);
    }

    /**
     * The view of a LoRA fine-tune's adapter on its weights, under the adapters of the LoRA
     * fine-tunes it was trained on, if any, each taken from the cache (loaded on a miss).
     */
    private AdapterView view(ModelRef.Lora lora, MultiAdapterModel model) throws IOException {
        List<AdapterView> layers = new ArrayList<>();
        try {
            for (ModelRef.Lora layer : lora.stack()) {
                layers.add(adapters.view(layer.identity(), model, loader(layer)));
            }
            if (layers.size() == 1) {
                return layers.remove(0);
            }
            return AdapterView.stack(layers);
        } finally {
            // a stack takes leases of its own
            layers.forEach(AdapterView::close);
        }
    }

    /** Reads a LoRA fine-tune's adapter from its archive, in memory, for a cache miss. */
    private AdapterCache.Loader loader(ModelRef.Lora lora) {
        return (model, adapterId) -> {
            try (InputStream archive = store.openArchive(lora)) {
                model.register(
                        adapterId,
                        Path.of(lora.modelId()),
                        lora.baseModelId(),
                        manager -> AdapterArchive.read(archive, lora.modelId(), manager));
            }
        };
    }
}
