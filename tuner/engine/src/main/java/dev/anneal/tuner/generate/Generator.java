package dev.anneal.tuner.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.KvCache;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Autoregressive generation over a {@link CausalLm}: the prompt in one forward pass, then one token
 * per pass from the {@link KvCache} (or, without the cache, the whole sequence again).
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
        List<String> stops = new ArrayList<>(config.stopSequences());
        stops.addAll(tokenizer.chatTemplate().stopStrings());
        GenerationConfig withStops =
                config.toBuilder()
                        .optStopSequences(List.copyOf(new LinkedHashSet<>(stops)))
                        .build();
        return generate(tokenizer.encodeChat(messages, true).ids(), withStops);
    }

    /**
     * Continues a sequence of token ids.
     *
     * @param promptIds the prompt, {@code [prompt]}, not empty
     * @param config how to generate
     * @return the continuation
     */
    public GenerationResult generate(long[] promptIds, GenerationConfig config) {
        int maxPositions = model.config().maxPositionEmbeddings();
        if (promptIds.length == 0 || promptIds.length >= maxPositions) {
            throw new IllegalArgumentException(
                    "The prompt has "
                            + promptIds.length
                            + " tokens; it must have between 1 and max_position_embeddings - 1 ("
                            + (maxPositions - 1)
                            + ")");
        }
        int capacity =
                (int) Math.min((long) promptIds.length + config.maxNewTokens(), maxPositions);
        Set<Long> stopIds = new HashSet<>(config.eosTokenIds());
        List<String> stopTexts = new ArrayList<>();
        for (String stop : config.stopSequences()) {
            OptionalLong id = tokenizer.singleTokenId(stop);
            boolean special =
                    id.isPresent() && tokenizer.decode(new long[] {id.getAsLong()}).isEmpty();
            if (special) {
                stopIds.add(id.getAsLong());
            } else {
                stopTexts.add(stop);
            }
        }
        TokenSampler sampler = new TokenSampler(config);
        long[] tokens = Arrays.copyOf(promptIds, capacity);
        int length = promptIds.length;
        GenerationResult.FinishReason reason = GenerationResult.FinishReason.LENGTH;
        String stoppedText = null;
        try (NDManager manager = NDManager.newBaseManager();
                KvCache cache =
                        config.useKvCache() ? model.newKvCache(manager, 1, capacity) : null) {
            int fed = 0;
            while (length < capacity) {
                int from = cache == null ? 0 : fed;
                float[] logits;
                try (NDManager step = manager.newSubManager()) {
                    long[] input = Arrays.copyOfRange(tokens, from, length);
                    NDArray ids = step.create(input, new Shape(1, input.length));
                    logits = model.lastLogits(ids, cache).toFloatArray();
                }
                fed = length;
                long next = sampler.next(logits);
                tokens[length++] = next;
                if (stopIds.contains(next)) {
                    reason = GenerationResult.FinishReason.EOS;
                    break;
                }
                if (!stopTexts.isEmpty()) {
                    String text = decodeGenerated(tokens, promptIds.length, length);
                    int at = firstStop(text, stopTexts);
                    if (at >= 0) {
                        reason = GenerationResult.FinishReason.STOP_SEQUENCE;
                        stoppedText = text.substring(0, at);
                        break;
                    }
                }
            }
        }
        String text =
                stoppedText != null
                        ? stoppedText
                        : decodeGenerated(tokens, promptIds.length, length);
        return new GenerationResult(
                promptIds.clone(),
                Arrays.copyOfRange(tokens, promptIds.length, length),
                text,
                reason);
    }

    /**
     * Decodes the generated tokens as they read after the prompt: decoding them alone would lose
     * the leading space a SentencePiece decoder strips from the start of a text.
     */
    private String decodeGenerated(long[] tokens, int from, int to) {
        String prompt = tokenizer.decode(Arrays.copyOfRange(tokens, 0, from));
        String all = tokenizer.decode(Arrays.copyOfRange(tokens, 0, to));
        return all.startsWith(prompt)
                ? all.substring(prompt.length())
                : tokenizer.decode(Arrays.copyOfRange(tokens, from, to));
    }

    private static int firstStop(String text, List<String> stops) {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }
}
