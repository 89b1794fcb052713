package dev.anneal.tuner.generate;

import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

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

    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private final GenerationConfig config;
    private final TokenConstraint constraint;
    private final TokenSampler sampler;
    private final Set<Long> stopIds = new HashSet<>();
    private final List<String> stopTexts = new ArrayList<>();
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
        stopIds.addAll(config.eosTokenIds());
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

    /**
     * One token's log-probability at a step.
     *
     * @param tokenId the token
     * @param text the token's text as it reads after the previous token (so with the leading space
     *     a SentencePiece token carries); special tokens by name; a byte of an incomplete UTF-8
     *     character as U+FFFD
     * @param logprob natural log of its probability, &le; 0
     */
    public record TokenLogprob(long tokenId, String text, double logprob) {}

    /**
     * The log-probabilities of one step: the log-softmax of the model's raw logits row, before
     * temperature, top-k, top-p and any structured-output mask (what OpenAI reports), so not
     * necessarily of the distribution the token was sampled from.
     *
     * @param chosen the token generated
     * @param top the {@link GenerationConfig#logprobs()} most likely tokens, most likely first,
     *     ties by lower id (so under greedy decoding the chosen token comes first)
     */
    public record TokenLogprobs(TokenLogprob chosen, List<TokenLogprob> top) {}

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
        double logNorm = 0;
        int[] topIds = null;
        float[] topLogits = null;
        if (config.logprobs() >= 0) {
            logNorm = logSumExp(logits);
            topIds = topIds(logits, config.logprobs());
            topLogits = new float[topIds.length];
            for (int i = 0; i < topIds.length; i++) {
                topLogits[i] = logits[topIds[i]];
            }
        }
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
                topIds == null
                        ? null
                        : logprobs(next, logits[(int) next], logNorm, topIds, topLogits);
        tokens[length++] = next;
        String text = decodeGenerated();
        GenerationResult.FinishReason reason = null;
        String finalText = null;
        if (stopIds.contains(next)) {
            reason = GenerationResult.FinishReason.EOS;
        } else {
            int at = firstStop(text);
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
            shown = text.substring(0, text.length() - undecidedSuffix(text));
        }
        String delta = "";
        if (shown.startsWith(emitted)) {
            delta = shown.substring(emitted.length());
            emitted = shown;
        }
        return new TokenStep(next, delta, reason, logprobs);
    }

    /**
     * The step's log-probabilities; called before the chosen token is appended.
     *
     * @param next the chosen token, allowed by any mask, so {@code chosenLogit} is its raw logit
     * @param logNorm {@code log(sum(exp(logits)))} of the raw logits
     * @param topIds the most likely ids of the raw logits, most likely first
     * @param topLogits their raw logits
     */
    private TokenLogprobs logprobs(
            long next, float chosenLogit, double logNorm, int[] topIds, float[] topLogits) {
        long previous = tokens[length - 1];
        String before = tokenizer.decode(new long[] {previous}, false);
        List<TokenLogprob> top = new ArrayList<>(topIds.length);
        TokenLogprob chosen = null;
        for (int i = 0; i < topIds.length; i++) {
            TokenLogprob alternative =
                    new TokenLogprob(
                            topIds[i],
                            tokenText(previous, before, topIds[i]),
                            topLogits[i] - logNorm);
            top.add(alternative);
            if (topIds[i] == next) {
                chosen = alternative;
            }
        }
        if (chosen == null) {
            chosen =
                    new TokenLogprob(
                            next, tokenText(previous, before, next), chosenLogit - logNorm);
        }
        return new TokenLogprobs(chosen, List.copyOf(top));
    }

    /**
     * A token's text as it reads after the previous one: decoded alone, a SentencePiece decoder
     * would strip the leading space that starts a word.
     */
    private String tokenText(long previous, String before, long id) {
        String pair = tokenizer.decode(new long[] {previous, id}, false);
        return pair.startsWith(before)
                ? pair.substring(before.length())
                : tokenizer.decode(new long[] {id}, false);
    }

    /**
     * {@code log(sum(exp(x)))} over the row, shifted by its largest finite value so that no term
     * overflows; summed in double.
     *
     * @param logits {@code [vocab]}
     */
    static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : logits) {
            if (x > max) {
                max = x;
            }
        }
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            return max;
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp((double) x - max);
        }
        return max + Math.log(sum);
    }

    /**
     * The ids of the k largest logits, largest first, ties by lower id (as {@link
     * TokenSampler#argMax} picks): one pass keeping a sorted window of k, for k up to a few dozen.
     *
     * @param logits {@code [vocab]}
     * @param k how many, at most the vocabulary
     */
    static int[] topIds(float[] logits, int k) {
        int count = Math.min(k, logits.length);
        int[] ids = new int[count];
        int filled = 0;
        for (int i = 0; i < logits.length && count > 0; i++) {
            float x = logits[i];
            if (filled == count && !(x > logits[ids[count - 1]])) {
                continue;
            }
            int at = filled == count ? count - 1 : filled++;
            while (at > 0 && x > logits[ids[at - 1]]) {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = i;
        }
        return ids;
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

    private int firstStop(String text) {
        int first = -1;
        for (String stop : stopTexts) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /**
     * How many characters at the end of the text are not decided yet: the longest end that is the
     * start of a stop string, or replacement characters of a UTF-8 sequence still incomplete.
     */
    private int undecidedSuffix(String text) {
        int held = 0;
        for (String stop : stopTexts) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > held; k--) {
                if (text.endsWith(stop.substring(0, k))) {
                    held = k;
                    break;
                }
            }
        }
        int replacement = 0;
        while (replacement < text.length()
                && text.charAt(text.length() - 1 - replacement) == REPLACEMENT) {
            replacement++;
        }
        return Math.max(held, replacement);
    }
}
