package dev.anneal.tuner.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.KvCache;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Autoregressive generation over a {@link CausalLm}: the prompt in one forward pass, then one token
 * per pass from the {@link KvCache} (or, without the cache, the whole sequence again).
 *
 * <p>The per-token step (what to feed, which token comes next, when to stop, which text to show) is
 * {@link SequenceDecoder}'s, shared with the serving scheduler; this class only runs the forward
 * passes of one sequence.
 *
 * <p>Each step runs in its own sub-manager, closed once the last position's logits are copied to
 * Java, so nothing accumulates however long the output. The model is never modified: several
 * generators, on several threads, may share one model. Serving several adapters means handing each
 * request the {@link CausalLm} view of its adapter; the loop here does not change.
 */
public final class Generator {

    private final CausalLm model;
    private final TextTokenizer tokenizer;

    /**
     * Creates a generator.
     *
     * @param model the model (or adapter view) to generate with
     * @param tokenizer the model's tokenizer
     */
    public Generator(CausalLm model, TextTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /**
     * Continues a text, encoded with the model's special tokens (BOS for LLaMA).
     *
     * @param prompt the text to continue
     * @param config how to generate
     * @return the continuation
     */
    public GenerationResult generate(String prompt, GenerationConfig config) {
        return generate(tokenizer.encode(prompt), config);
    }

    /**
     * Answers a conversation: renders it with the chat template and a generation prompt, and stops
     * at the template's end-of-turn marker as well as at the configured stops.
     *
     * @param messages the conversation so far
     * @param config how to generate
     * @return the assistant's answer
     */
    public GenerationResult chat(List<ChatMessage> messages, GenerationConfig config) {
        return generate(tokenizer.encodeChat(messages, true).ids(), chatConfig(tokenizer, config));
    }

    /**
     * A configuration for answering a conversation: {@code config} with the chat template's
     * end-of-turn markers added to its stop strings.
     *
     * @param tokenizer the model's tokenizer, holding its chat template
     * @param config how to generate
     * @return the configuration with the template's stops
     */
    public static GenerationConfig chatConfig(TextTokenizer tokenizer, GenerationConfig config) {
        List<String> stops = new ArrayList<>(config.stopSequences());
        stops.addAll(tokenizer.chatTemplate().stopStrings());
        return config.toBuilder().optStopSequences(List.copyOf(new LinkedHashSet<>(stops))).build();
    }

    /**
     * Continues a sequence of token ids.
     *
     * @param promptIds the prompt, {@code [prompt]}, not empty
     * @param config how to generate
     * @return the continuation
     */
    public GenerationResult generate(long[] promptIds, GenerationConfig config) {
        return generate(promptIds, config, null);
    }

    /**
     * Continues a sequence of token ids, sampling only among the tokens a constraint allows.
     *
     * @param promptIds the prompt, {@code [prompt]}, not empty
     * @param config how to generate
     * @param constraint which tokens may come next, or {@code null} for any
     * @return the continuation
     */
    public GenerationResult generate(
            long[] promptIds, GenerationConfig config, TokenConstraint constraint) {
        SequenceDecoder sequence =
                new SequenceDecoder(
                        tokenizer,
                        promptIds,
                        config,
                        model.config().maxPositionEmbeddings(),
                        constraint);
        try (NDManager manager = NDManager.newBaseManager();
                KvCache cache =
                        config.useKvCache()
                                ? model.newKvCache(manager, 1, sequence.capacity())
                                : null) {
            while (!sequence.finished()) {
                float[] logits =
                        lastLogits(model, cache, sequence.takeInput(Integer.MAX_VALUE), manager);
                sequence.advance(logits);
            }
        }
        return sequence.result();
    }

    /**
     * One forward pass of one sequence, in a sub-manager closed once the logits are copied to Java.
     *
     * @param model the model (or adapter view)
     * @param cache the sequence's cache, extended by the pass, or {@code null} to start at 0
     * @param input the new tokens, {@code [seq]}
     * @param manager the manager under which the step's sub-manager is created
     * @return the last position's logits, {@code [vocab]}
     */
    public static float[] lastLogits(
            CausalLm model, KvCache cache, long[] input, NDManager manager) {
        try (NDManager step = manager.newSubManager()) {
            NDArray ids = step.create(input, new Shape(1, input.length));
            return model.lastLogits(ids, cache).toFloatArray();
        }
    }
}
