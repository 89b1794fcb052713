package dev.anneal.server.serving;

import dev.anneal.serving.BaseModelLoad;
import dev.anneal.serving.ServingEngine;
import dev.anneal.serving.ServingObserver;
import dev.anneal.serving.adapter.AdapterCache;
import dev.anneal.serving.scheduler.SchedulerObserver;
import dev.anneal.store.Roles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Serving's meters, in {@code /q/metrics}. Per base model (tag {@code model}: the base model's id;
 * LoRA and full fine-tunes count under their base, so that no tenant's model id appears in these
 * public metrics and their number stays that of the base models):
 *
 * <ul>
 *   <li>{@code anneal_serve_time_to_first_token_seconds} (histogram): submission to first token,
 *       per sequence: its wait for admission, its prefill and its first step;
 *   <li>{@code anneal_serve_time_per_output_token_seconds} (histogram): between two tokens of a
 *       sequence, per token after the first;
 *   <li>{@code anneal_serve_prompt_tokens_total}: prompt tokens prefilled, per sequence (a request
 *       with {@code n} choices counts its prompt {@code n} times);
 *   <li>{@code anneal_serve_generation_tokens_total}: tokens generated;
 *   <li>{@code anneal_serve_sequences_running}, {@code anneal_serve_sequences_waiting}: sequences
 *       (one per choice) generating, and waiting for room in the KV cache;
 *   <li>{@code anneal_serve_kv_cache_reserved_tokens}, {@code anneal_serve_kv_cache_budget_tokens}:
 *       the KV cache reserved by running sequences, and the budget.
 * </ul>
 *
 * <p>Across models: {@code anneal_serve_adapter_cache_hits_total}, {@code _misses_total}, {@code
 * _evictions_total} and {@code anneal_serve_adapter_cache_resident}; {@code
 * anneal_serve_full_models_loads_total}, {@code _evictions_total} and {@code
 * anneal_serve_full_models_resident}.
 *
 * <p>Registered at start on a process with the {@code serve} role; a base model's meters when it
 * first loads. Times are taken on the engine threads ({@link SchedulerObserver}).
 */
@Startup
@ApplicationScoped
public class ServingMetrics implements ServingObserver {

    private static final String MODEL = "model";

    private final MeterRegistry registry;
    private final Map<String, ModelMeters> models = new ConcurrentHashMap<>();
    private volatile ServingEngine engine;

    @Inject
    ServingMetrics(MeterRegistry registry, Roles roles) {
        this.registry = registry;
        if (!roles.runs(Roles.SERVE)) {
            return;
        }
        adapterCounter(
                "hits", "Requests whose LoRA adapter was in memory", AdapterCache.Stats::hits);
        adapterCounter(
                "misses", "Requests that loaded their LoRA adapter", AdapterCache.Stats::misses);
        adapterCounter(
                "evictions",
                "LoRA adapters removed from memory to make room",
                AdapterCache.Stats::evictions);
        Gauge.builder("anneal.serve.adapter_cache.resident", this, m -> m.adapters().resident())
                .description("LoRA adapters in memory")
                .register(registry);
        FunctionCounter.builder("anneal.serve.full_models.loads", this, m -> m.fullModels().loads())
                .description("Full fine-tunes loaded from their archive")
                .register(registry);
        FunctionCounter.builder(
                        "anneal.serve.full_models.evictions", this, m -> m.fullModels().evictions())
                .description("Full fine-tunes removed from memory to make room")
                .register(registry);
        Gauge.builder("anneal.serve.full_models.resident", this, m -> m.fullModels().resident())
                .description("Full fine-tunes in memory")
                .register(registry);
    }

    /** Reads the caches and the schedulers' load from {@code engine}; called once it exists. */
    void bind(ServingEngine engine) {
        this.engine = engine;
    }

    @Override
    public SchedulerObserver scheduler(String baseModelId) {
        return models.computeIfAbsent(baseModelId, ModelMeters::new);
    }

    private void adapterCounter(
            String name, String description, ToDoubleFunction<AdapterCache.Stats> count) {
        FunctionCounter.builder(
                        "anneal.serve.adapter_cache." + name,
                        this,
                        m -> count.applyAsDouble(m.adapters()))
                .description(description)
                .register(registry);
    }

    private AdapterCache.Stats adapters() {
        ServingEngine bound = engine;
        return bound == null ? new AdapterCache.Stats(0, 0, 0, 0) : bound.adapterStats();
    }

    private ServingEngine.FullModelStats fullModels() {
        ServingEngine bound = engine;
        return bound == null ? new ServingEngine.FullModelStats(0, 0, 0) : bound.fullModelStats();
    }

    private BaseModelLoad load(String baseModelId) {
        ServingEngine bound = engine;
        return bound == null
                ? BaseModelLoad.NONE
                : bound.loadByBaseModel().getOrDefault(baseModelId, BaseModelLoad.NONE);
    }

    /** One base model's meters; its observer methods run on engine threads. */
    private final class ModelMeters implements SchedulerObserver {

        private final Timer timeToFirstToken;
        private final Timer timePerOutputToken;
        private final Counter promptTokens;
        private final Counter generationTokens;

        private ModelMeters(String model) {
            timeToFirstToken =
                    Timer.builder("anneal.serve.time_to_first_token")
                            .description(
                                    "From a sequence's submission to its first token: wait,"
                                            + " prefill and first step")
                            .tag(MODEL, model)
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofMinutes(1))
                            .register(registry);
            timePerOutputToken =
                    Timer.builder("anneal.serve.time_per_output_token")
                            .description("Between two tokens of a sequence")
                            .tag(MODEL, model)
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofSeconds(10))
                            .register(registry);
            promptTokens =
                    Counter.builder("anneal.serve.prompt.tokens")
                            .description("Prompt tokens prefilled, once per sequence")
                            .tag(MODEL, model)
                            .register(registry);
            generationTokens =
                    Counter.builder("anneal.serve.generation.tokens")
                            .description("Tokens generated")
                            .tag(MODEL, model)
                            .register(registry);
            loadGauge(
                    model,
                    "anneal.serve.sequences.running",
                    "Sequences generating",
                    l -> l.running());
            loadGauge(
                    model,
                    "anneal.serve.sequences.waiting",
                    "Sequences waiting for room in the KV cache",
                    l -> l.waiting());
            loadGauge(
                    model,
                    "anneal.serve.kv_cache.reserved.tokens",
                    "KV-cache tokens reserved by running sequences",
                    l -> l.kvCacheTokensReserved());
            loadGauge(
                    model,
                    "anneal.serve.kv_cache.budget.tokens",
                    "KV-cache budget, in tokens",
                    l -> l.kvCacheTokensBudget());
        }

        private void loadGauge(
                String model, String name, String description, ToDoubleFunction<BaseModelLoad> of) {
            Gauge.builder(name, () -> of.applyAsDouble(load(model)))
                    .description(description)
                    .tag(MODEL, model)
                    .strongReference(true)
                    .register(registry);
        }

        @Override
        public void firstToken(int prompt, long nanosSinceSubmit) {
            promptTokens.increment(prompt);
            generationTokens.increment();
            timeToFirstToken.record(nanosSinceSubmit, TimeUnit.NANOSECONDS);
        }

        @Override
        public void nextToken(long nanosSincePrevious) {
            generationTokens.increment();
            timePerOutputToken.record(nanosSincePrevious, TimeUnit.NANOSECONDS);
        }
    }
}
