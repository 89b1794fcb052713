package dev.anneal.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.serving.scheduler.Completion;
import dev.anneal.serving.scheduler.SchedulerStats;
import dev.anneal.serving.scheduler.TokenListener;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.SequenceDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    private static final GenerationConfig LONG =
            GenerationConfig.builder().optMaxNewTokens(400).build();

    @Test
    void shouldRefuseAsOverloadedWhenWaitingQueueIsFull() throws Exception {
        // room in the KV cache for one 405-token sequence only; one may wait
        try (ServingEngine engine =
                new ServingEngine(
                        new TestModels.MemoryStore(), new ServingConfig(1, 420, 1, 64, 0))) {
            ServedModel model = engine.open("t", TestModels.BASE);
            long[] prompt = model.tokenizer().encode("Once upon a time");
            List<Completion> admitted = new ArrayList<>();
            admitted.add(model.submit(prompt, LONG, null, new TestModels.Collector()));
            awaitRunning(engine, 1);
            admitted.add(model.submit(prompt, LONG, null, new TestModels.Collector()));

            assertThatThrownBy(() -> model.submit(prompt, LONG, null, new TestModels.Collector()))
                    .isInstanceOf(ServingOverloadedException.class)
                    .satisfies(
                            e ->
                                    assertThat(((ServingOverloadedException) e).retryAfterSeconds())
                                            .isPositive());
            admitted.forEach(Completion::cancel);
        }
    }

    @Test
    void shouldFreePlaceWithinOneStepWhenCancelled() throws Exception {
        try (ServingEngine engine =
                new ServingEngine(
                        new TestModels.MemoryStore(), new ServingConfig(1, 420, 4, 64, 0))) {
            ServedModel model = engine.open("t", TestModels.BASE);
            long[] prompt = model.tokenizer().encode("Once upon a time");
            TestModels.Collector first = new TestModels.Collector();
            Completion running = model.submit(prompt, LONG, null, first);
            awaitRunning(engine, 1);
            TestModels.Collector second = new TestModels.Collector();
            model.submit(
                    prompt, GenerationConfig.builder().optMaxNewTokens(5).build(), null, second);
            assertThat(stats(engine).waiting()).isEqualTo(1);

            running.cancel();

            assertThat(second.done.get(30, TimeUnit.SECONDS).generatedIds()).hasSize(5);
            assertThat(first.done).isNotDone();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stats(engine).running() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(stats(engine)).isEqualTo(new SchedulerStats(0, 0, 0));
        }
    }

    @Test
    void shouldRefuseWhenOneRequestNeedsMoreThanTheWholeKvBudget() throws Exception {
        try (ServingEngine engine =
                new ServingEngine(
                        new TestModels.MemoryStore(), new ServingConfig(1, 100, 4, 64, 0))) {
            ServedModel model = engine.open("t", TestModels.BASE);
            long[] prompt = model.tokenizer().encode("Once upon a time");

            assertThatThrownBy(() -> model.submit(prompt, LONG, null, new TestModels.Collector()))
                    .isInstanceOf(KvCacheBudgetException.class)
                    .hasMessageContaining("ANNEAL_SERVE_KV_CACHE");
        }
    }

    @Test
    void shouldHandEveryTokenWithItsLogprobsWhenConfigAsksForThem() throws Exception {
        try (ServingEngine engine =
                new ServingEngine(
                        new TestModels.MemoryStore(), new ServingConfig(1, 420, 4, 64, 0))) {
            ServedModel model = engine.open("t", TestModels.BASE);
            long[] prompt = model.tokenizer().encode("Once upon a time");
            List<SequenceDecoder.TokenStep> steps = new CopyOnWriteArrayList<>();
            CompletableFuture<GenerationResult> done = new CompletableFuture<>();
            TokenListener listener =
                    new TokenListener() {
                        @Override
                        public void onToken(SequenceDecoder.TokenStep step) {
                            steps.add(step);
                        }

                        @Override
                        public void onFinish(GenerationResult result) {
                            done.complete(result);
                        }

                        @Override
                        public void onError(RuntimeException error) {
                            done.completeExceptionally(error);
                        }
                    };

            model.submit(
                    prompt,
                    GenerationConfig.builder().optMaxNewTokens(6).optLogprobs(3).build(),
                    null,
                    listener);

            GenerationResult result = done.get(30, TimeUnit.SECONDS);
            assertThat(steps).hasSize(result.generatedIds().length);
            for (SequenceDecoder.TokenStep step : steps) {
                assertThat(step.logprobs().chosen().tokenId()).isEqualTo(step.tokenId());
                assertThat(step.logprobs().top()).hasSize(3);
                assertThat(step.logprobs().top().get(0)).isEqualTo(step.logprobs().chosen());
            }
        }
    }

    private static SchedulerStats stats(ServingEngine engine) {
        return engine.schedulerStats().get(TestModels.BASE);
    }

    private static void awaitRunning(ServingEngine engine, int running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stats(engine).running() < running) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not running: " + stats(engine));
            }
            Thread.sleep(1);
        }
    }
}
