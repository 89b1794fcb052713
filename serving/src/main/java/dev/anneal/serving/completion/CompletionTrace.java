package dev.anneal.serving.completion;

import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The account of one completion request, for the line logged when it ends: what was asked, how many
 * tokens went in and came out, how each choice ended and how long it took; never the prompt or the
 * output text. {@link #line} reads, in {@code key=value} pairs:
 *
 * <pre>
 * Completion finished: model=my-model baseModel=llama-3-8b stream=false n=1 promptTokens=12
 *     completionTokens=30 finishReasons=length ttftMs=41.2 totalMs=512.9
 * </pre>
 *
 * <p>({@code finished}, {@code failed} or {@code cancelled}; one line, wrapped here.) Times run
 * from the request's start: {@code ttftMs} to the first token of any choice ({@code -} if none
 * came), {@code totalMs} to the line. A choice that did not end has the finish reason {@code -}.
 *
 * <p>Threading: {@link #onToken} and {@link #onFinish} are called on engine threads, {@link #line}
 * on the request's; all may overlap.
 */
public final class CompletionTrace {

    /** How a completion request ended. */
    public enum Outcome {
        /** Every choice ended and the answer was sent. */
        FINISHED,
        /** A choice failed, or waiting for it did. */
        FAILED,
        /** The client went away, or the request was interrupted, before the end. */
        CANCELLED
    }

    private static final long NO_TOKEN = Long.MIN_VALUE;

    private final long startedNanos;
    private final String modelId;
    private final String baseModelId;
    private final int promptTokens;
    private final boolean stream;
    private final AtomicLong firstTokenNanos = new AtomicLong(NO_TOKEN);
    private final AtomicInteger completionTokens = new AtomicInteger();
    private final AtomicReferenceArray<SequenceResult.FinishReason> finishReasons;

    /**
     * Starts the account of a request whose sequences are about to be submitted.
     *
     * @param startedNanos when the request started, {@link System#nanoTime}
     * @param modelId the model id the request asked for
     * @param baseModelId the base model it runs on
     * @param promptTokens the prompt's tokens
     * @param choices the sequences submitted, {@code n}
     * @param stream whether the answer is streamed
     */
    public CompletionTrace(
            long startedNanos,
            String modelId,
            String baseModelId,
            int promptTokens,
            int choices,
            boolean stream) {
        this.startedNanos = startedNanos;
        this.modelId = modelId;
        this.baseModelId = baseModelId;
        this.promptTokens = promptTokens;
        this.stream = stream;
        this.finishReasons = new AtomicReferenceArray<>(choices);
    }

    /** A choice generated a token. */
    public void onToken() {
        completionTokens.incrementAndGet();
        firstTokenNanos.compareAndSet(NO_TOKEN, System.nanoTime());
    }

    /** A choice ended normally. */
    public void onFinish(int choice, SequenceResult.FinishReason reason) {
        finishReasons.set(choice, reason);
    }

    /** The tokens generated so far, across choices. */
    public int completionTokens() {
        return completionTokens.get();
    }

    /**
     * The log line of the request, as it ended now.
     *
     * @param outcome how it ended
     */
    public String line(Outcome outcome) {
        long now = System.nanoTime();
        long first = firstTokenNanos.get();
        StringJoiner reasons = new StringJoiner(",");
        for (int i = 0; i < finishReasons.length(); i++) {
            SequenceResult.FinishReason reason = finishReasons.get(i);
            reasons.add(reason == null ? "-" : reason.name().toLowerCase(Locale.ROOT));
        }
        return "Completion "
                + outcome.name().toLowerCase(Locale.ROOT)
                + ": model="
                + modelId
                + " baseModel="
                + baseModelId
                + " stream="
                + stream
                + " n="
                + finishReasons.length()
                + " promptTokens="
                + promptTokens
                + " completionTokens="
                + completionTokens.get()
                + " finishReasons="
                + reasons
                + " ttftMs="
                + (first == NO_TOKEN ? "-" : millis(first - startedNanos))
                + " totalMs="
                + millis(now - startedNanos);
    }

    private static String millis(long nanos) {
        return String.format(
                Locale.ROOT, "%.1f", nanos / (double) TimeUnit.MILLISECONDS.toNanos(1));
    }
}
