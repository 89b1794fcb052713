package dev.anneal.store.tenant;

import dev.anneal.store.NotFoundException;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.MasterKeyRing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * The data keys of {@code tenantId}, to read with: its current key, then those a rotation
     * retired, newest first.
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<DataKey> dataKeysOf(String tenantId) {
        List<DataKey> keys = new ArrayList<>();
        keys.add(dataKeyOf(tenantId));
        for (Object[] row :
                (List<Object[]>)
                        em.createNativeQuery(
                                        "select wrapped_key, master_key_id from"
                                                + " tenant_retired_data_key where tenant_id = :id"
                                                + " order by retired_at desc")
                                .setParameter("id", tenantId)
                                .getResultList()) {
            keys.add(masterKeys.unwrap((byte[]) row[0], tenantId, (String) row[1]));
        }
        return keys;
    }

    /**
     * Gives {@code tenantId} a new data key for everything written from now on; the current one is
     * retired, kept to read what it encrypted.
     *
     * @return how many keys the tenant has now, the new one included
     */
    @Transactional
    public int rotateDataKey(String tenantId) {
        Tenant tenant = em.find(Tenant.class, tenantId, LockModeType.PESSIMISTIC_WRITE);
        if (tenant == null || tenant.wrappedDataKey() == null) {
            throw new NotFoundException("tenant", tenantId, "tenant_id");
        }
        em.createNativeQuery(
                        "insert into tenant_retired_data_key (tenant_id, retired_at, wrapped_key,"
                                + " master_key_id) values (:id, clock_timestamp(), :wrapped,"
                                + " :masterKeyId)")
                .setParameter("id", tenantId)
                .setParameter("wrapped", tenant.wrappedDataKey())
                .setParameter("masterKeyId", tenant.masterKeyId())
                .executeUpdate();
        tenant.replaceDataKey(newWrappedKey(tenantId), currentMasterKeyId());
        return ((Number)
                                em.createNativeQuery(
                                                "select count(*) from tenant_retired_data_key"
                                                        + " where tenant_id = :id")
                                        .setParameter("id", tenantId)
                                        .getSingleResult())
                        .intValue()
                + 1;
    }

    /** The data key of {@code tenantId} that new data is encrypted with. */
    @Transactional
    public DataKey dataKeyOf(String tenantId) {
        Tenant tenant = em.find(Tenant.class, tenantId);
        if (tenant == null || tenant.wrappedDataKey() == null) {
            throw new NotFoundException("tenant", tenantId, "tenant_id");
        }
        return masterKeys.unwrap(tenant.wrappedDataKey(), tenantId, tenant.masterKeyId());
    }
}
