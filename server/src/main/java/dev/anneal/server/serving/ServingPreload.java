package dev.anneal.server.serving;

import dev.anneal.serving.ServingEngine;
import dev.anneal.store.Roles;
import dev.anneal.store.UnitOfWork;
import dev.anneal.tuner.registry.BaseModel;
import dev.anneal.tuner.registry.BaseModelRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Loads the base models of {@code ANNEAL_SERVE_MODELS} (a comma-separated list of ids) when a
 * process with the {@code serve} role starts, so that their first requests do not wait for them;
 * other models load on first use.
 *
 * <p>An id that is no base model fails the start, naming the ids there are: a typo would otherwise
 * go unnoticed until the first request paid the load it was meant to spare. The models are checked
 * before any loads, and loaded after the other start-up observers (the tuner role sets libtorch's
 * thread counts, which the first model load fixes for the process).
 */
@ApplicationScoped
public class ServingPreload {

    private static final Logger LOG = Logger.getLogger(ServingPreload.class);

    private final Roles roles;
    private final BaseModelRegistry baseModels;
    private final ServingEngine engine;
    private final List<String> models;

    @Inject
    ServingPreload(
            Roles roles,
            BaseModelRegistry baseModels,
            ServingEngine engine,
            @ConfigProperty(name = "anneal.serve.models") Optional<List<String>> models) {
        this.roles = roles;
        this.baseModels = baseModels;
        this.engine = engine;
        this.models = models.orElse(List.of()).stream().map(String::strip).toList();
    }

    void preload(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER) StartupEvent startup) {
        if (!roles.runs(Roles.SERVE) || models.isEmpty()) {
            return;
        }
        UnitOfWork.run(
                () -> {
                    requireBaseModels();
                    models.forEach(this::load);
                });
    }

    private void requireBaseModels() {
        List<String> known = baseModels.list().stream().map(BaseModel::id).toList();
        List<String> unknown = models.stream().filter(id -> !known.contains(id)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalStateException(
                    "ANNEAL_SERVE_MODELS names "
                            + unknown.stream().collect(Collectors.joining("', '", "'", "'"))
                            + ", which "
                            + (unknown.size() == 1 ? "is no base model" : "are no base models")
                            + " of this installation; the base models are: "
                            + String.join(", ", known));
        }
    }

    private void load(String id) {
        long started = System.nanoTime();
        try {
            engine.preload(id);
        } catch (IOException e) {
            throw new UncheckedIOException("ANNEAL_SERVE_MODELS: could not load " + id, e);
        }
        LOG.infof(
                "Serve role: base model %s loaded in %.1f s",
                id, (System.nanoTime() - started) / 1e9);
    }
}
