package dev.anneal.api;

import dev.anneal.api.error.ApiException;
import dev.anneal.api.error.ErrorType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Bounds the streams a tenant holds open in this process (live job events, streamed completions) to
 * {@code anneal.streams-per-tenant} (env {@code ANNEAL_STREAMS_PER_TENANT}); one more is answered
 * 429 {@code rate_limit_exceeded} with {@code Retry-After}, so that one tenant's streams cannot
 * take every thread.
 */
@ApplicationScoped
public class StreamPermits {

    private final int perTenant;
    private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();

    @Inject
    StreamPermits(
            @ConfigProperty(name = "anneal.streams-per-tenant", defaultValue = "16")
                    int perTenant) {
        this.perTenant = perTenant;
    }

    /**
     * Takes a permit for one more open stream of the tenant.
     *
     * @throws ApiException 429 if the tenant holds its limit already
     */
    public Permit acquire(String tenantId) {
        AtomicInteger count = open.computeIfAbsent(tenantId, t -> new AtomicInteger());
        if (count.incrementAndGet() > perTenant) {
            count.decrementAndGet();
            throw new ApiException(
                    429,
                    ErrorType.RATE_LIMIT,
                    "Too many open streams: at most "
                            + perTenant
                            + " per tenant at once; close one or try again later.",
                    null,
                    "rate_limit_exceeded",
                    1);
        }
        return new Permit(count);
    }

    /** One open stream's place; closing it (once) frees the place. */
    public static final class Permit implements AutoCloseable {

        private final AtomicInteger count;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Permit(AtomicInteger count) {
            this.count = count;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                count.decrementAndGet();
            }
        }
    }
}
