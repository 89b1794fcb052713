package dev.anneal.store.tenant;

import dev.anneal.store.ConflictException;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.blob.BlobStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Erases a tenant for good, in an order that makes every step after the first a clean-up: (1) its
 * wrapped data key is destroyed, which makes its blobs and sealed feedback unreadable wherever a
 * copy survives (backups included); (2) its blobs are deleted; (3) its rows are deleted (tenant,
 * keys, files, jobs, events, checkpoints, models, feedback, counters: the foreign keys cascade);
 * (4) {@link TenantErased} lets each process delete the work folders of the tenant's jobs. An
 * interrupted erasure leaves the tenant marked ({@code erased_at}) and suspended; erasing it again
 * finishes. Audit entries stay: they hold ids and names, no content, and record the erasure.
 */
@ApplicationScoped
public class TenantErasure {

    private static final Logger LOG = Logger.getLogger(TenantErasure.class);

    private final EntityManager em;
    private final BlobStore blobs;
    private final SuspendedTenants suspended;
    private final Event<TenantErased> erased;

    /** What a process that keeps a tenant's data outside the database cleans up. */
    public record TenantErased(String tenantId, List<String> jobIds) {}

    @Inject
    TenantErasure(
            EntityManager em,
            BlobStore blobs,
            SuspendedTenants suspended,
            Event<TenantErased> erased) {
        this.em = em;
        this.blobs = blobs;
        this.suspended = suspended;
        this.erased = erased;
    }

    /**
     * Erases {@code tenantId}, which must be suspended, once {@code confirmation} repeats its name.
     *
     * @throws NotFoundException when there is no such tenant
     * @throws ConflictException when it is not suspended
     * @throws InvalidRequestException when the confirmation is not its name
     */
    public void erase(String tenantId, String confirmation) {
        List<String> jobIds =
                QuarkusTransaction.requiringNew().call(() -> shredKey(tenantId, confirmation));
        try {
            blobs.deleteTenant(tenantId);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Tenant "
                            + tenantId
                            + "'s key is destroyed, but deleting its blobs failed; erase it again"
                            + " to finish",
                    e);
        }
        QuarkusTransaction.requiringNew().run(() -> deleteRows(tenantId));
        suspended.forget(tenantId);
        erased.fire(new TenantErased(tenantId, jobIds));
        LOG.infof("Erased tenant %s (%d jobs)", tenantId, jobIds.size());
    }

    /**
     * Deletes the tenant's row, which cascades to the rows of every table with a foreign key to it,
     * then its judgements, which have none: the tenant first, so that a feedback batch holding it
     * (FOR KEY SHARE) is waited for and its rows are seen and deleted, and a later batch finds no
     * tenant.
     */
    private void deleteRows(String tenantId) {
        em.createNativeQuery("delete from tenant where id = :id")
                .setParameter("id", tenantId)
                .executeUpdate();
        em.createNativeQuery("delete from preference_feedback where tenant_id = :id")
                .setParameter("id", tenantId)
                .executeUpdate();
    }

    /** Checks the request, destroys the wrapped key; returns the tenant's job ids. */
    @SuppressWarnings("unchecked")
    private List<String> shredKey(String tenantId, String confirmation) {
        Tenant tenant =
                em.find(Tenant.class, tenantId, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
        if (tenant == null) {
            throw new NotFoundException("tenant", tenantId, "tenant_id");
        }
        if (tenant.suspendedAt() == null) {
            throw new ConflictException(
                    "Suspend the tenant first (POST /v1/admin/tenants/"
                            + tenantId
                            + "/suspend): erasure cannot be undone.",
                    "tenant_id");
        }
        if (confirmation == null || !confirmation.equals(tenant.name())) {
            throw new InvalidRequestException(
                    "'confirm' must repeat the tenant's name exactly, to erase it.", "confirm");
        }
        em.createNativeQuery(
                        "update tenant set wrapped_data_key = null, erased_at = coalesce(erased_at,"
                                + " now()) where id = :id")
                .setParameter("id", tenantId)
                .executeUpdate();
        em.createNativeQuery("delete from tenant_retired_data_key where tenant_id = :id")
                .setParameter("id", tenantId)
                .executeUpdate();
        return em.createNativeQuery("select id from fine_tuning_job where tenant_id = :id")
                .setParameter("id", tenantId)
                .getResultList();
    }
}
