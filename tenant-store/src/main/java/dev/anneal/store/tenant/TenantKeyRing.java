package dev.anneal.store.tenant;

import dev.anneal.store.NotFoundException;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.MasterKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Hands out tenants' data keys: new ones wrapped by the master key for storage, and stored ones
 * unwrapped for use. Unwrapped keys live only as long as the operation that asked.
 */
@ApplicationScoped
public class TenantKeyRing {

    private final MasterKey masterKey;
    private final EntityManager em;

    @Inject
    TenantKeyRing(MasterKey masterKey, EntityManager em) {
        this.masterKey = masterKey;
        this.em = em;
    }

    /** A fresh data key for {@code tenantId}, wrapped, ready to be stored with the tenant. */
    byte[] newWrappedKey(String tenantId) {
        return masterKey.wrap(DataKey.generate(), tenantId);
    }

    /** The data key of {@code tenantId}. */
    @Transactional
    public DataKey dataKeyOf(String tenantId) {
        Tenant tenant = em.find(Tenant.class, tenantId);
        if (tenant == null || tenant.wrappedDataKey() == null) {
            throw new NotFoundException("tenant", tenantId, "tenant_id");
        }
        return masterKey.unwrap(tenant.wrappedDataKey(), tenantId);
    }
}
