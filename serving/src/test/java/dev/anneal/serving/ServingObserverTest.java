package dev.anneal.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.serving.scheduler.SchedulerObserver;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServingObserverTest {

    /** Records what the schedulers of each base model tell. */
    private static final class Recorder implements ServingObserver {

        final Map<String, Pace> bases = new ConcurrentHashMap<>();

        @Override
        public SchedulerObserver scheduler(String baseModelId) {
            return bases.computeIfAbsent(baseModelId, id -> new Pace());
        }
    }

    private static final class Pace implements SchedulerObserver {

        final List<Long> firstTokens = new CopyOnWriteArrayList<>();
        final List<Long> nextTokens = new CopyOnWriteArrayList<>();
        final AtomicInteger promptTokens = new AtomicInteger();

        @Override
        public void firstToken(int prompt, long nanosSinceSubmit) {
            promptTokens.addAndGet(prompt);
            firstTokens.add(nanosSinceSubmit);
        }

        @Override
        public void nextToken(long nanosSincePrevious) {
            nextTokens.add(nanosSincePrevious);
        }
    }

    @Test
    void shouldTimeEveryTokenOfEverySequenceWhenObserved() throws Exception {
        Recorder recorder = new Recorder();
        try (ServingEngine engine =
                new ServingEngine(
                        new TestModels.MemoryStore(),
                        new ServingConfig(1, 4096, 4, 64, 0),
                        recorder)) {
            ServedModel model = engine.open("t", TestModels.BASE);
            long[] prompt = model.tokenizer().encode("Once upon a time");
            GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(7).build();
            TestModels.Collector first = new TestModels.Collector();
            TestModels.Collector second = new TestModels.Collector();

            model.submit(prompt, config, null, first);
            model.submit(prompt, config, null, second);
            GenerationResult a = first.done.get(30, TimeUnit.SECONDS);
            GenerationResult b = second.done.get(30, TimeUnit.SECONDS);

            Pace pace = recorder.bases.get(TestModels.BASE);
            assertThat(pace.firstTokens).hasSize(2).allMatch(nanos -> nanos > 0);
            assertThat(pace.nextTokens)
                    .hasSize(a.generatedIds().length + b.generatedIds().length - 2)
                    .allMatch(nanos -> nanos > 0);
            assertThat(pace.promptTokens.get()).isEqualTo(2 * prompt.length);
        }
    }

    @Test
    void shouldSumBudgetAndReservationsPerBaseModelWhenLoaded() throws Exception {
        try (ServingEngine engine =
                new ServingEngine(
                        new TestModels.MemoryStore(), new ServingConfig(1, 4096, 4, 64, 0))) {
            assertThat(engine.loadByBaseModel()).isEmpty();

            engine.preload(TestModels.BASE);

            assertThat(engine.loadByBaseModel())
                    .containsExactly(Map.entry(TestModels.BASE, new BaseModelLoad(0, 0, 0, 4096)));
        }
    }
}
