package dev.anneal.store.tenant;

import dev.anneal.store.NotFoundException;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.MasterKeyRing;
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

    private final MasterKeyRing masterKeys;
    private final EntityManager em;

    @Inject
    TenantKeyRing(MasterKeyRing masterKeys, EntityManager em) {
        this.masterKeys = masterKeys;
        this.em = em;
    }

    /** A fresh data key for {@code tenantId}, wrapped by the current master key. */
    byte[] newWrappedKey(String tenantId) {
        return masterKeys.current().wrap(DataKey.generate(), tenantId);
    }

    /** The id of the master key that {@link #newWrappedKey} wraps with. */
    String currentMasterKeyId() {
        return masterKeys.current().id();
    }

    /** The data key of {@code tenantId}. */
    @Transactional
    public DataKey dataKeyOf(String tenantId) {
        Tenant tenant = em.find(Tenant.class, tenantId);
        if (tenant == null || tenant.wrappedDataKey() == null) {
            throw new NotFoundException("tenant", tenantId, "tenant_id");
        }
        return masterKeys.unwrap(tenant.wrappedDataKey(), tenantId, tenant.masterKeyId());
    }
}
