package dev.anneal.store.feedback;

import dev.anneal.store.TransactionLocks;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.tenant.TenantKeyRing;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Seals judgements stored in plaintext by versions before sealing existed (their texts are in the
 * {@code legacy_*} columns), at start-up and before anything is served: each batch under an
 * advisory lock, so processes starting together share the work; a no-op once none is left.
 */
@ApplicationScoped
public class FeedbackSealing {

    private static final Logger LOG = Logger.getLogger(FeedbackSealing.class);
    private static final int BATCH = 500;

    private final EntityManager em;
    private final TenantKeyRing keys;

    @Inject
    FeedbackSealing(EntityManager em, TenantKeyRing keys) {
        this.em = em;
        this.keys = keys;
    }

    void onStart(@Observes StartupEvent started) {
        long sealed = sealLegacyRows();
        if (sealed > 0) {
            LOG.infof("Sealed %d judgements stored in plaintext by an earlier version", sealed);
        }
    }

    /** Seals every legacy row; returns how many this call sealed. */
    public long sealLegacyRows() {
        long total = 0;
        while (true) {
            int sealed = QuarkusTransaction.requiringNew().call(this::sealBatch);
            total += sealed;
            if (sealed < BATCH) {
                return total;
            }
        }
    }

    private int sealBatch() {
        TransactionLocks.lock(em, "anneal:feedback-sealing");
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                "select seq, tenant_id, event_id, legacy_prompt, legacy_chosen,"
                                        + " legacy_rejected, legacy_completion, legacy_metadata"
                                        + " from preference_feedback where prompt_sealed is null"
                                        + " order by seq limit "
                                        + BATCH)
                        .getResultList();
        Map<String, List<DataKey>> tenantKeys = new HashMap<>();
        for (Object[] r : rows) {
            String tenantId = (String) r[1];
            PreferenceFeedback row =
                    new PreferenceFeedback(
                            new FeedbackRow(
                                    tenantId,
                                    (UUID) r[2],
                                    "legacy",
                                    Instant.EPOCH,
                                    Instant.EPOCH,
                                    (String) r[3],
                                    (String) r[4],
                                    (String) r[5],
                                    null,
                                    null,
                                    (String) r[6],
                                    null,
                                    null,
                                    null,
                                    r[7] == null ? "{}" : (String) r[7]));
            List<DataKey> own = tenantKeys.computeIfAbsent(tenantId, keys::dataKeysOf);
            row.seal(own.get(0), own.get(own.size() - 1));
            var update =
                    em.createNativeQuery(
                            "update preference_feedback set prompt_sealed = :p, chosen_sealed ="
                                    + " :c, rejected_sealed = :r, completion_sealed = :o,"
                                    + " metadata_sealed = :m, prompt_hash = :ph, chosen_hash ="
                                    + " :ch, rejected_hash = :rh, legacy_prompt = null,"
                                    + " legacy_chosen = null, legacy_rejected = null,"
                                    + " legacy_completion = null, legacy_metadata = null where"
                                    + " seq = :seq");
            update.setParameter("p", row.sealed("prompt_sealed"))
                    .setParameter("c", row.sealed("chosen_sealed"))
                    .setParameter("r", row.sealed("rejected_sealed"))
                    .setParameter("o", row.sealed("completion_sealed"))
                    .setParameter("m", row.sealed("metadata_sealed"))
                    .setParameter("ph", row.sealed("prompt_hash"))
                    .setParameter("ch", row.sealed("chosen_hash"))
                    .setParameter("rh", row.sealed("rejected_hash"))
                    .setParameter("seq", ((Number) r[0]).longValue())
                    .executeUpdate();
        }
        return rows.size();
    }
}
