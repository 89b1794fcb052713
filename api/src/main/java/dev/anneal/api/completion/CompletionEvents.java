package dev.anneal.api.completion;

import dev.anneal.serving.completion.CompletionListener;
import dev.anneal.serving.completion.CompletionTrace;
import dev.anneal.serving.completion.SequenceResult;
import dev.anneal.serving.completion.TokenLogprobs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The events of a request's sequences, queued by their listeners on the engine thread and taken by
 * the stream's drain (woken by {@link #onEvent}), or by the thread awaiting the whole answer.
 */
final class CompletionEvents {

    private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final CompletionTrace trace;
    private volatile Runnable onEvent = () -> {};

    CompletionEvents(CompletionTrace trace) {
        this.trace = trace;
    }

    /**
     * One sequence's event: new text, its end, or its failure.
     *
     * @param logprobs with a delta or a result, the log-probabilities of the tokens since the
     *     previous event (empty when not asked)
     */
    record Event(
            int choice,
            String delta,
            SequenceResult result,
            RuntimeException error,
            List<TokenLogprobs> logprobs) {}

    /** The listener of one choice's sequence. */
    CompletionListener listener(int choice) {
        return new Listener(choice);
    }

    /** Runs {@code callback} (on the engine thread) after each event is queued. */
    void onEvent(Runnable callback) {
        this.onEvent = callback;
    }

    /** The next event, or {@code null} if none is queued. */
    Event poll() {
        return queue.poll();
    }

    /** Whether an event is queued. */
    boolean hasNext() {
        return !queue.isEmpty();
    }

    private void add(Event event) {
        queue.add(event);
        onEvent.run();
    }

    /** The next event, or {@code null} if none came within the timeout. */
    Event poll(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.poll(timeout, unit);
    }

    /**
     * Queues one sequence's events; never blocks the engine thread. Tokens whose text is held back
     * keep their log-probabilities until the next event, so each event carries those of the tokens
     * that made its text. Called on the engine thread only.
     */
    private final class Listener implements CompletionListener {

        private final int choice;
        private List<TokenLogprobs> pending = new ArrayList<>();

        private Listener(int choice) {
            this.choice = choice;
        }

        @Override
        public void onToken(String textDelta, TokenLogprobs logprobs) {
            trace.onToken();
            if (logprobs != null) {
                pending.add(logprobs);
            }
            if (!textDelta.isEmpty()) {
                add(new Event(choice, textDelta, null, null, takePending()));
            }
        }

        @Override
        public void onFinish(SequenceResult result) {
            trace.onFinish(choice, result.finishReason());
            add(new Event(choice, null, result, null, takePending()));
        }

        @Override
        public void onError(RuntimeException error) {
            add(new Event(choice, null, null, error, List.of()));
        }

        private List<TokenLogprobs> takePending() {
            if (pending.isEmpty()) {
                return List.of();
            }
            List<TokenLogprobs> taken = pending;
            pending = new ArrayList<>();
            return taken;
        }
    }
}
