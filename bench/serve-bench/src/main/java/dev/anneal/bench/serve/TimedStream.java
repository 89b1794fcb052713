package dev.anneal.bench.serve;

import dev.anneal.serving.ServedModel;
import dev.anneal.serving.completion.CompletionListener;
import dev.anneal.serving.completion.EncodedPrompt;
import dev.anneal.serving.completion.Prompt;
import dev.anneal.serving.completion.Sampling;
import dev.anneal.serving.completion.SequenceResult;
import dev.anneal.serving.completion.TokenLogprobs;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One stream through the product's serving path, timed from the caller's side: a text prompt
 * submitted to a {@link ServedModel}, greedy, and the {@link System#nanoTime()} at which each token
 * reached the listener. The only class of the bench that speaks {@code ServedModel}'s submission
 * and listener API ({@link dev.anneal.serving.completion}).
 */
final class TimedStream {

    private TimedStream() {}

    /**
     * What one stream saw.
     *
     * @param submitted when it was submitted
     * @param tokens when each token arrived, in order
     */
    record Times(long submitted, long[] tokens) {

        /** Seconds from the submission to the first token. */
        double timeToFirstToken() {
            return (tokens[0] - submitted) / 1e9;
        }

        /** Seconds per token after the first: its decode steps; NaN for a single token. */
        double timePerOutputToken() {
            return (tokens[tokens.length - 1] - tokens[0]) / 1e9 / (tokens.length - 1);
        }

        /** When the last token arrived. */
        long finished() {
            return tokens[tokens.length - 1];
        }
    }

    /**
     * Submits a greedy completion of a prompt and waits for its end. The model's end-of-sequence
     * tokens still end it early.
     *
     * @param model the model, base or adapter
     * @param prompt the text to continue
     * @param maxTokens tokens to generate
     * @return the stream's times
     * @throws IOException if the model's adapter could not be loaded
     * @throws IllegalStateException if the stream failed or produced no token
     */
    static Times run(ServedModel model, String prompt, int maxTokens)
            throws IOException, InterruptedException {
        EncodedPrompt encoded = model.encode(new Prompt.Text(prompt));
        Sampling greedy = new Sampling(maxTokens, 0, 1, List.of(), -1, 0);
        Recorder recorder = new Recorder(maxTokens);
        long submitted = System.nanoTime();
        model.submit(encoded, greedy, null, recorder);
        try {
            int count = recorder.done.get();
            if (count == 0) {
                throw new IllegalStateException(model.modelId() + " generated no token");
            }
            return new Times(submitted, Arrays.copyOf(recorder.times, count));
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "A stream of " + model.modelId() + " failed", e.getCause());
        }
    }

    /** Notes each token's arrival; runs on the engine thread, so does nothing else. */
    private static final class Recorder implements CompletionListener {

        private final long[] times;
        private final CompletableFuture<Integer> done = new CompletableFuture<>();
        private int count;

        Recorder(int maxTokens) {
            this.times = new long[maxTokens];
        }

        @Override
        public void onToken(String textDelta, TokenLogprobs logprobs) {
            times[count++] = System.nanoTime();
        }

        @Override
        public void onFinish(SequenceResult result) {
            done.complete(count);
        }

        @Override
        public void onError(RuntimeException error) {
            done.completeExceptionally(error);
        }
    }
}
