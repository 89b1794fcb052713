package dev.anneal.store;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import java.util.function.Supplier;

/**
 * Runs background work (workers, relays) in a CDI request context of its own: the unit of work that
 * the store's tenant binding and database sessions live in, outside any HTTP request. Without a
 * bound tenant such work sees no tenant-owned row through entity queries.
 */
public final class UnitOfWork {

    private UnitOfWork() {}

    /** Runs {@code work} in the current request context, or in a new one for its duration. */
    public static <T> T call(Supplier<T> work) {
        ManagedContext context = Arc.container().requestContext();
        if (context.isActive()) {
            return work.get();
        }
        context.activate();
        try {
            return work.get();
        } finally {
            context.terminate();
        }
    }

    /** As {@link #call}, without a result. */
    public static void run(Runnable work) {
        call(
                () -> {
                    work.run();
                    return null;
                });
    }
}
