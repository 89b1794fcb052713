package dev.anneal.tuner.worker;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import java.util.function.Supplier;

/**
 * Runs work in a CDI request context of its own: the unit of work the store's tenant binding and
 * sessions live in, outside any HTTP request.
 */
final class RequestScope {

    private RequestScope() {}

    static <T> T call(Supplier<T> work) {
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

    static void run(Runnable work) {
        call(
                () -> {
                    work.run();
                    return null;
                });
    }
}
