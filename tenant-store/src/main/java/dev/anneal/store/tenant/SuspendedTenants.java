package dev.anneal.store.tenant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a tenant is suspended, asked on every request: read from the database at most every
 * {@link #TTL} per tenant and process, and at once in the process that suspends or resumes it.
 */
@ApplicationScoped
public class SuspendedTenants {

    static final Duration TTL = Duration.ofSeconds(2);

    private final EntityManager em;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    private record Known(boolean suspended, long readAt) {}

    @Inject
    SuspendedTenants(EntityManager em) {
        this.em = em;
    }

    /** Whether {@code tenantId} is suspended (false for an unknown tenant). */
    @Transactional
    public boolean isSuspended(String tenantId) {
        Known cached = known.get(tenantId);
        if (cached != null && System.nanoTime() - cached.readAt < TTL.toNanos()) {
            return cached.suspended;
        }
        @SuppressWarnings("unchecked")
        List<Object> rows =
                em.createNativeQuery("select suspended_at is not null from tenant where id = :id")
                        .setParameter("id", tenantId)
                        .getResultList();
        boolean suspended = !rows.isEmpty() && Boolean.TRUE.equals(rows.get(0));
        known.put(tenantId, new Known(suspended, System.nanoTime()));
        return suspended;
    }

    void forget(String tenantId) {
        known.remove(tenantId);
    }
}
