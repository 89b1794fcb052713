package dev.anneal.server.serving;

import dev.anneal.serving.KvCacheBudget;
import dev.anneal.serving.ServingConfig;
import dev.anneal.serving.ServingEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The serving engine of this process, built from its settings and reporting to {@link
 * ServingMetrics}. Nothing loads until the first completion asks for a model (or {@link
 * ServingPreload}, for the models of {@code ANNEAL_SERVE_MODELS}), so a process without the {@code
 * serve} role pays nothing for it.
 */
public class ServingBeans {

    @Produces
    @ApplicationScoped
    ServingEngine servingEngine(
            PlatformModelStore store,
            ServingMetrics metrics,
            @ConfigProperty(name = "anneal.serve.max-adapters") int maxAdapters,
            @ConfigProperty(name = "anneal.serve.kv-cache") String kvCache,
            @ConfigProperty(name = "anneal.serve.queue") int queue,
            @ConfigProperty(name = "anneal.serve.threads") int threads,
            @ConfigProperty(name = "anneal.serve.max-full-models") int maxFullModels,
            @ConfigProperty(name = "anneal.serve.model-memory") String modelMemory) {
        ServingEngine engine =
                new ServingEngine(
                        store,
                        new ServingConfig(
                                maxAdapters,
                                KvCacheBudget.parse(kvCache),
                                queue,
                                ServingConfig.DEFAULT_PREFILL_CHUNK,
                                threads,
                                maxFullModels,
                                modelMemory),
                        metrics);
        metrics.bind(engine);
        return engine;
    }

    void close(@Disposes ServingEngine engine) {
        engine.close();
    }
}
