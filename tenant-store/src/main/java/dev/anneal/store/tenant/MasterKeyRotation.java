package dev.anneal.store.tenant;

import dev.anneal.store.audit.AuditLog;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.KeyUnwrapException;
import dev.anneal.store.crypto.MasterKeyRing;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Re-wraps every stored data key (each tenant's and the audit log's) under the current master key,
 * without touching what they encrypt: blobs and sealed rows stay as they are. Tenants are taken in
 * batches, each in its own transaction and locked while re-wrapped, so an interrupted rotation
 * resumes where it stopped and processes rotating together do not clash. A key that no configured
 * master key unwraps is reported, not fatal.
 */
@ApplicationScoped
public class MasterKeyRotation {

    private static final Logger LOG = Logger.getLogger(MasterKeyRotation.class);
    private static final int BATCH = 100;

    private final EntityManager em;
    private final MasterKeyRing keys;

    /**
     * Where the stored keys stand.
     *
     * @param tenantsByKey tenants per id of the master key that wraps their data key ({@code
     *     unknown}: stored before ids existed)
     */
    public record Status(
            String current,
            List<String> previous,
            Map<String, Long> tenantsByKey,
            Map<String, Long> retiredKeysByKey,
            String auditKeyWrappedBy) {}

    /**
     * @param rewrapped data keys re-wrapped by this call (the audit key included)
     * @param unreadable tenants whose data key no configured master key unwraps
     */
    public record Result(int rewrapped, List<String> unreadable, Status status) {}

    @Inject
    MasterKeyRotation(EntityManager em, MasterKeyRing keys) {
        this.em = em;
        this.keys = keys;
    }

    @SuppressWarnings("unchecked")
    public Status status() {
        return QuarkusTransaction.requiringNew()
                .call(
                        () -> {
                            Map<String, Long> byKey =
                                    countByKey("tenant where wrapped_data_key is not null");
                            Map<String, Long> retired = countByKey("tenant_retired_data_key");
                            List<String> audit =
                                    em.createNativeQuery(
                                                    "select coalesce(master_key_id, 'unknown')"
                                                            + " from audit_key")
                                            .getResultList();
                            return new Status(
                                    keys.current().id(),
                                    keys.previousIds(),
                                    byKey,
                                    retired,
                                    audit.isEmpty() ? null : audit.get(0));
                        });
    }

    @SuppressWarnings("unchecked")
    private Map<String, Long> countByKey(String from) {
        Map<String, Long> byKey = new LinkedHashMap<>();
        for (Object[] row :
                (List<Object[]>)
                        em.createNativeQuery(
                                        "select coalesce(master_key_id, 'unknown'), count(*) from "
                                                + from
                                                + " group by 1 order by 1")
                                .getResultList()) {
            byKey.put((String) row[0], ((Number) row[1]).longValue());
        }
        return byKey;
    }

    public Result rotate() {
        int rewrapped = QuarkusTransaction.requiringNew().call(this::rewrapAuditKey);
        List<String> unreadable = new ArrayList<>();
        String after = "";
        while (true) {
            String from = after;
            Batch batch = QuarkusTransaction.requiringNew().call(() -> rewrapTenants(from));
            rewrapped += batch.rewrapped;
            unreadable.addAll(batch.unreadable);
            if (batch.last == null) {
                break;
            }
            after = batch.last;
        }
        rewrapped += QuarkusTransaction.requiringNew().call(() -> rewrapRetired(unreadable));
        LOG.infof(
                "Master key rotation: %d data keys re-wrapped under %s, %d unreadable",
                rewrapped, keys.current().id(), unreadable.size());
        return new Result(rewrapped, unreadable, status());
    }

    private record Batch(int rewrapped, List<String> unreadable, String last) {}

    @SuppressWarnings("unchecked")
    private Batch rewrapTenants(String after) {
        List<Object[]> rows =
                em.createNativeQuery(
                                "select id, wrapped_data_key, master_key_id from tenant where id >"
                                        + " :after and wrapped_data_key is not null and"
                                        + " master_key_id is distinct from :current order by id"
                                        + " limit "
                                        + BATCH
                                        + " for update skip locked")
                        .setParameter("after", after)
                        .setParameter("current", keys.current().id())
                        .getResultList();
        int rewrapped = 0;
        List<String> unreadable = new ArrayList<>();
        for (Object[] row : rows) {
            String tenantId = (String) row[0];
            try {
                DataKey dataKey = keys.unwrap((byte[]) row[1], tenantId, (String) row[2]);
                em.createNativeQuery(
                                "update tenant set wrapped_data_key = :wrapped, master_key_id ="
                                        + " :current where id = :id")
                        .setParameter("wrapped", keys.current().wrap(dataKey, tenantId))
                        .setParameter("current", keys.current().id())
                        .setParameter("id", tenantId)
                        .executeUpdate();
                rewrapped++;
            } catch (KeyUnwrapException e) {
                LOG.errorf("Master key rotation: tenant %s: %s", tenantId, e.getMessage());
                unreadable.add(tenantId);
            }
        }
        return new Batch(
                rewrapped,
                unreadable,
                rows.size() < BATCH ? null : (String) rows.get(rows.size() - 1)[0]);
    }

    /** Retired data keys: few per tenant, so one transaction. */
    @SuppressWarnings("unchecked")
    private int rewrapRetired(List<String> unreadable) {
        List<Object[]> rows =
                em.createNativeQuery(
                                "select tenant_id, retired_at, wrapped_key, master_key_id from"
                                        + " tenant_retired_data_key where master_key_id is"
                                        + " distinct from :current for update skip locked")
                        .setParameter("current", keys.current().id())
                        .getResultList();
        int rewrapped = 0;
        for (Object[] row : rows) {
            String tenantId = (String) row[0];
            try {
                DataKey dataKey = keys.unwrap((byte[]) row[2], tenantId, (String) row[3]);
                em.createNativeQuery(
                                "update tenant_retired_data_key set wrapped_key = :wrapped,"
                                        + " master_key_id = :current where tenant_id = :id and"
                                        + " retired_at = :at")
                        .setParameter("wrapped", keys.current().wrap(dataKey, tenantId))
                        .setParameter("current", keys.current().id())
                        .setParameter("id", tenantId)
                        .setParameter("at", row[1])
                        .executeUpdate();
                rewrapped++;
            } catch (KeyUnwrapException e) {
                LOG.errorf(
                        "Master key rotation: a retired key of tenant %s: %s",
                        tenantId, e.getMessage());
                if (!unreadable.contains(tenantId)) {
                    unreadable.add(tenantId);
                }
            }
        }
        return rewrapped;
    }

    @SuppressWarnings("unchecked")
    private int rewrapAuditKey() {
        List<Object[]> rows =
                em.createNativeQuery(
                                "select wrapped_key, master_key_id from audit_key where"
                                        + " master_key_id is distinct from :current for update")
                        .setParameter("current", keys.current().id())
                        .getResultList();
        if (rows.isEmpty()) {
            return 0;
        }
        DataKey auditKey =
                keys.unwrap((byte[]) rows.get(0)[0], AuditLog.KEY_OWNER, (String) rows.get(0)[1]);
        em.createNativeQuery(
                        "update audit_key set wrapped_key = :wrapped, master_key_id = :current")
                .setParameter("wrapped", keys.current().wrap(auditKey, AuditLog.KEY_OWNER))
                .setParameter("current", keys.current().id())
                .executeUpdate();
        return 1;
    }
}
