package dev.anneal.store;

import jakarta.persistence.EntityManager;

/**
 * PostgreSQL advisory locks held until the current transaction ends, named by a string (hashed with
 * {@code hashtext}): what serialises, say, two checks of one tenant's quota.
 *
 * <p>The lock is taken as {@code select 1 from pg_advisory_xact_lock(...)}: the function returns
 * {@code void}, a type Hibernate cannot map, and a native query selecting it directly makes
 * Hibernate fail (and catch) an exception with a full stack trace on every call while it looks for
 * one.
 */
public final class TransactionLocks {

    private TransactionLocks() {}

    /** Waits for the lock named {@code key} and holds it until the transaction ends. */
    public static void lock(EntityManager em, String key) {
        em.createNativeQuery("select 1 from pg_advisory_xact_lock(hashtext(:key))")
                .setParameter("key", key)
                .getSingleResult();
    }
}
