package dev.anneal.store.tenant;

import dev.anneal.store.ConflictException;
import dev.anneal.store.Ids;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.NotFoundException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Creates and finds tenants. Administrator operations: they see every tenant. */
@ApplicationScoped
public class TenantRepository {

    static final int MAX_NAME_LENGTH = 200;

    private final EntityManager em;
    private final TenantKeyRing keyRing;
    private final SuspendedTenants suspended;

    @Inject
    TenantRepository(EntityManager em, TenantKeyRing keyRing, SuspendedTenants suspended) {
        this.em = em;
        this.keyRing = keyRing;
        this.suspended = suspended;
    }

    /** Creates a tenant with a new data key; names are unique. */
    @Transactional
    public Tenant create(String name) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty()) {
            throw new InvalidRequestException("'name' is required and must not be blank.", "name");
        }
        if (trimmed.length() > MAX_NAME_LENGTH) {
            throw new InvalidRequestException(
                    "'name' must be at most " + MAX_NAME_LENGTH + " characters.", "name");
        }
        if (findByName(trimmed).isPresent()) {
            throw new ConflictException("A tenant named '" + trimmed + "' exists already.", "name");
        }
        String id = Ids.newId("tenant");
        Tenant tenant =
                new Tenant(
                        id,
                        trimmed,
                        keyRing.newWrappedKey(id),
                        keyRing.currentMasterKeyId(),
                        Instant.now().truncatedTo(ChronoUnit.MICROS));
        em.persist(tenant);
        return tenant;
    }

    /** Suspends a tenant (see {@link SuspendedTenants}); suspending it again changes nothing. */
    @Transactional
    public Tenant suspend(String id) {
        Tenant tenant = get(id);
        tenant.suspend(Instant.now().truncatedTo(ChronoUnit.MICROS));
        suspended.forget(id);
        return tenant;
    }

    /** Makes a suspended tenant active again. */
    @Transactional
    public Tenant resume(String id) {
        Tenant tenant = get(id);
        tenant.resume();
        suspended.forget(id);
        return tenant;
    }

    public Optional<Tenant> find(String id) {
        return Optional.ofNullable(em.find(Tenant.class, id));
    }

    /**
     * Those of {@code ids} that name a tenant, each kept from being deleted until the caller's
     * transaction ends: the {@code for key share} lock a foreign key check takes, once per tenant
     * instead of once per row ({@code preference_feedback} has no foreign key, see ADR 0036).
     */
    @SuppressWarnings("unchecked")
    public Set<String> existingKept(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        return Set.copyOf(
                em.createNativeQuery(
                                "select id from tenant where id in (:ids) order by id for key"
                                        + " share",
                                String.class)
                        .setParameter("ids", ids)
                        .getResultList());
    }

    public Tenant get(String id) {
        return find(id).orElseThrow(() -> new NotFoundException("tenant", id, "tenant_id"));
    }

    public Optional<Tenant> findByName(String name) {
        return em.createQuery("from Tenant t where t.name = :name", Tenant.class)
                .setParameter("name", name)
                .getResultStream()
                .findFirst();
    }

    /** All tenants, oldest first. */
    public List<Tenant> list() {
        return em.createQuery("from Tenant t order by t.createdAt, t.id", Tenant.class)
                .getResultList();
    }
}
