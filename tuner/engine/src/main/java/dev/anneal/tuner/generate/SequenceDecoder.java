package dev.anneal.tuner.generate;

import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * One sequence being generated, and the per-token step that advances it: which tokens to feed the
 * model next (the prompt, possibly in chunks, then each new token), and, given the logits of the
 * last position, the next token (constrained, sampled), whether generation stops (EOS, a stop
 * string, the length) and the text that became safe to show.
 *
 * <p>The one implementation of a decoding step: {@link Generator}'s loop (and so {@code anneal
 * generate}) and the serving scheduler both drive a sequence through this class; only who runs the
 * forward pass differs.
 *
 * <p>Text is handed out incrementally ({@link TokenStep#textDelta()}) and never retracted: text
 * that may turn out to be the start of a stop string, or an incomplete UTF-8 character, is held
 * back until decided. Stop strings never appear in the text. Not thread-safe: one thread drives a
 * sequence at a time.
 */
public final class SequenceDecoder {

    private final TextTokenizer tokenizer;
    private final GenerationConfig config;
    private final TokenConstraint constraint;
    private final TokenSampler sampler;
    private final StopRules stops;
    private final int promptLength;
    private final int capacity;
    private final String promptText;
    private final long[] tokens;
    private int length;
    private int fed;
    private String emitted = "";
    private GenerationResult result;

    /**
     * Starts a sequence.
     *
     * @param tokenizer the model's tokenizer
     * @param promptIds the prompt, {@code [prompt]}, 1 to {@code maxPositions - 1} tokens
     * @param config how to generate
     * @param maxPositions the model's context, {@code max_position_embeddings}
     * @param constraint which tokens may come next, or {@code null} for any
     * @throws IllegalArgumentException if the prompt is empty or fills the context
     */
    public SequenceDecoder(
            TextTokenizer tokenizer,
            long[] promptIds,
            GenerationConfig config,
            int maxPositions,
            TokenConstraint constraint) {
        if (promptIds.length == 0 || promptIds.length >= maxPositions) {
            throw new IllegalArgumentException(
                    "The prompt has "
                            + promptIds.length
                            + " tokens; it must have between 1 and max_position_embeddings - 1 ("
                            + (maxPositions - 1)
                            + ")");
        }
        this.tokenizer = tokenizer;
        this.config = config;
        this.constraint = constraint;
        this.sampler = new TokenSampler(config);
        this.promptLength = promptIds.length;
        this.capacity =
                (int) Math.min((long) promptIds.length + config.maxNewTokens(), maxPositions);
        this.tokens = Arrays.copyOf(promptIds, capacity);
        this.length = promptIds.length;
        this.promptText = tokenizer.decode(promptIds);
        this.stops = new StopRules(tokenizer, config);
    }

    /**
     * What one step produced.
     *
     * @param tokenId the chosen token
     * @param textDelta the text that became safe to show, maybe empty
     * @param finish why the sequence ended with this token, or {@code null}
     * @param logprobs the step's log-probabilities, or {@code null} unless {@link
     *     GenerationConfig#logprobs()} asked for them
     */
    public record TokenStep(
            long tokenId,
            String textDelta,
            GenerationResult.FinishReason finish,
            TokenLogprobs logprobs) {

        /** Whether the sequence ended with this token. */
        public boolean finished() {
            return finish != null;
        }
    }

    /** The most tokens the sequence will hold, prompt included: the KV cache to allocate. */
    public int capacity() {
        return capacity;
    }

    /** The prompt's length in tokens. */
    public int promptLength() {
        return promptLength;
    }

    /** Tokens generated so far. */
    public int generatedCount() {
        return length - promptLength;
    }

    /** Whether generation has ended. */
    public boolean finished() {
        return result != null;
    }

    /**
     * The next tokens to feed the model, marked as fed: with a KV cache those not in it yet, at
     * most {@code maxTokens} (a prefill chunk); without, the whole sequence from position 0.
     *
     * @param maxTokens the most tokens to feed in this pass, at least 1
     * @return {@code [seq]}
     */
    public long[] takeInput(int maxTokens) {
        if (finished()) {
            throw new IllegalStateException("The sequence has finished");
        }
        if (!config.useKvCache()) {
            fed = length;
            return Arrays.copyOfRange(tokens, 0, length);
        }
        int to = (int) Math.min(length, (long) fed + maxTokens);
        long[] input = Arrays.copyOfRange(tokens, fed, to);
        fed = to;
        return input;
    }

    /**
     * Whether every token has been fed, so that the last pass's logits are those of the next token;
     * false while a prompt is prefilled in chunks.
     */
    public boolean readyToSample() {
        return fed == length;
    }

    /**
     * Picks the next token from the last position's logits and decides whether to stop.
     *
     * @param logits {@code [vocab]}, modified in place when a constraint masks tokens
     * @return the token, the text that became safe to show, and the finish reason if it ended
     */
    public TokenStep advance(float[] logits) {
        if (finished() || !readyToSample()) {
            throw new IllegalStateException("The sequence is not waiting for a token");
        }
        // before the mask: OpenAI's logprobs are those of the raw logits
        TokenLogprobs.Reading raw =
                config.logprobs() >= 0 ? TokenLogprobs.Reading.of(logits, config.logprobs()) : null;
        if (constraint != null) {
            BitSet allowed = constraint.allowed();
            for (int i = allowed.nextClearBit(0);
                    i < logits.length;
                    i = allowed.nextClearBit(i + 1)) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
        long next = sampler.next(logits);
        if (constraint != null) {
            constraint.accept(next);
        }
        TokenLogprobs logprobs =
                raw == null ? null : raw.choose(next, logits[(int) next], this::tokenText);
        tokens[length++] = next;
        String text = decodeGenerated();
        GenerationResult.FinishReason reason = null;
        String finalText = null;
        if (stops.isStopToken(next)) {
            reason = GenerationResult.FinishReason.EOS;
        } else {
            int at = stops.firstStop(text);
            if (at >= 0) {
                reason = GenerationResult.FinishReason.STOP_SEQUENCE;
                finalText = text.substring(0, at);
            } else if (length == capacity) {
                reason = GenerationResult.FinishReason.LENGTH;
            }
        }
        String shown;
        if (reason != null) {
            shown = finalText != null ? finalText : text;
            result =
                    new GenerationResult(
                            Arrays.copyOf(tokens, promptLength),
                            Arrays.copyOfRange(tokens, promptLength, length),
                            shown,
                            reason);
        } else {
            shown = text.substring(0, text.length() - stops.undecidedSuffix(text));
        }
        String delta = "";
        if (shown.startsWith(emitted)) {
            delta = shown.substring(emitted.length());
            emitted = shown;
        }
        return new TokenStep(next, delta, reason, logprobs);
    }

    /**
     * A token's text as it reads after the previous one: decoded alone, a SentencePiece decoder
     * would strip the leading space that starts a word.
     */
    private String tokenText(long id) {
        long previous = tokens[length - 1];
        String before = tokenizer.decode(new long[] {previous}, false);
        String pair = tokenizer.decode(new long[] {previous, id}, false);
        return pair.startsWith(before)
                ? pair.substring(before.length())
                : tokenizer.decode(new long[] {id}, false);
    }

    /**
     * What the generation produced.
     *
     * @throws IllegalStateException if it has not finished
     */
    public GenerationResult result() {
        if (result == null) {
            throw new IllegalStateException("The sequence has not finished");
        }
        return result;
    }

    /**
     * Decodes the generated tokens as they read after the prompt: decoding them alone would lose
     * the leading space a SentencePiece decoder strips from the start of a text.
     */
    private String decodeGenerated() {
        String all = tokenizer.decode(Arrays.copyOfRange(tokens, 0, length));
        return all.startsWith(promptText)
                ? all.substring(promptText.length())
                : tokenizer.decode(Arrays.copyOfRange(tokens, promptLength, length));
    }
}
