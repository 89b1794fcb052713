package dev.anneal.server.serving;

import dev.anneal.serving.ServingConfig;
import dev.anneal.serving.ServingEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The serving engine of this process, built from its settings. Nothing loads until the first
 * completion asks for a model, so a process without the {@code serve} role pays nothing for it.
 */
public class ServingBeans {

    @Produces
    @ApplicationScoped
    ServingEngine servingEngine(
            PlatformModelStore store,
            @ConfigProperty(name = "anneal.serve.max-adapters") int maxAdapters,
            @ConfigProperty(name = "anneal.serve.kv-cache") int kvCacheTokens,
            @ConfigProperty(name = "anneal.serve.queue") int queue,
            @ConfigProperty(name = "anneal.serve.threads") int threads,
            @ConfigProperty(name = "anneal.serve.max-full-models") int maxFullModels) {
        return new ServingEngine(
                store,
                new ServingConfig(
                        maxAdapters,
                        kvCacheTokens,
                        queue,
                        ServingConfig.DEFAULT_PREFILL_CHUNK,
                        threads,
                        maxFullModels));
    }

    void close(@Disposes ServingEngine engine) {
        engine.close();
    }
}
