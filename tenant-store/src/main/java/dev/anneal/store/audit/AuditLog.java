package dev.anneal.store.audit;

import static dev.anneal.store.SqlTimes.instant;

import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.MasterKeyRing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends to, lists and verifies the audit log. Appends are serialized by a transaction-scoped
 * advisory lock, taken with the read of the chain's head in one call ({@code audit_chain_head()},
 * migration V17), so each entry links to the one committed before it, across every process that
 * shares the database. The chain's key is made once, wrapped by the master key, and kept in {@code
 * audit_key}.
 */
@ApplicationScoped
public class AuditLog {

    /** The associated data the audit key is wrapped with: no tenant id looks like it. */
    public static final String KEY_OWNER = "anneal:audit";

    private static final int VERIFY_BATCH = 1000;
    private static final String COLUMNS =
            "seq, created_at, tenant_id, actor_type, actor_id, actor_name, client_address,"
                    + " request_id, action, target, outcome, status, error_code, prev_hash, hash";

    private final EntityManager em;
    private final MasterKeyRing masterKeys;
    private volatile AuditChain chain;

    /**
     * What happened, as the caller knows it; the log adds the time and the hashes.
     *
     * @see AuditEntry
     */
    public record Event(
            String tenantId,
            AuditEntry.Actor actor,
            String clientAddress,
            String requestId,
            String action,
            String target,
            String outcome,
            int status,
            String errorCode) {}

    /**
     * What a list may be narrowed to; null fields do not narrow it.
     *
     * @param since entries at or after this time
     * @param until entries before this time
     */
    public record Filter(
            String tenantId,
            String action,
            String actorId,
            String target,
            String outcome,
            Instant since,
            Instant until) {}

    /**
     * The result of checking the whole chain.
     *
     * @param entries how many entries were checked (up to and including a broken one)
     * @param head the last entry's id and hash when the chain holds: write them down to notice a
     *     later truncation of the log's end
     * @param firstBroken the first entry that does not hold, or null
     */
    public record Verification(
            boolean valid, long entries, String headId, String headHash, Broken firstBroken) {}

    /** An entry that breaks the chain and why. */
    public record Broken(String id, long seq, String reason) {}

    @Inject
    AuditLog(EntityManager em, MasterKeyRing masterKeys) {
        this.em = em;
        this.masterKeys = masterKeys;
    }

    /** Appends {@code event} in a transaction of its own, whatever became of the caller's. */
    @Transactional(TxType.REQUIRES_NEW)
    public AuditEntry append(Event event) {
        AuditChain chain = chain();
        String head = (String) em.createNativeQuery("select audit_chain_head()").getSingleResult();
        String prevHash = head == null ? AuditChain.GENESIS : head;
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        AuditEntry draft =
                new AuditEntry(
                        0,
                        now,
                        event.tenantId(),
                        event.actor(),
                        clip(event.clientAddress(), 64),
                        clip(event.requestId(), 128),
                        event.action(),
                        clip(event.target(), 200),
                        event.outcome(),
                        event.status(),
                        clip(event.errorCode(), 64),
                        prevHash,
                        null);
        String hash = chain.hash(draft);
        Number seq =
                (Number)
                        em.createNativeQuery(
                                        "insert into audit_event (created_at, tenant_id,"
                                                + " actor_type, actor_id, actor_name,"
                                                + " client_address, request_id, action, target,"
                                                + " outcome, status, error_code, prev_hash, hash)"
                                                + " values (:created, :tenant, :actorType,"
                                                + " :actorId, :actorName, :address, :requestId,"
                                                + " :action, :target, :outcome, :status, :error,"
                                                + " :prev, :hash) returning seq")
                                .setParameter("created", now)
                                .setParameter("tenant", draft.tenantId())
                                .setParameter("actorType", draft.actor().type())
                                .setParameter("actorId", clip(draft.actor().id(), 40))
                                .setParameter("actorName", clip(draft.actor().name(), 200))
                                .setParameter("address", draft.clientAddress())
                                .setParameter("requestId", draft.requestId())
                                .setParameter("action", draft.action())
                                .setParameter("target", draft.target())
                                .setParameter("outcome", draft.outcome())
                                .setParameter("status", draft.status())
                                .setParameter("error", draft.errorCode())
                                .setParameter("prev", prevHash)
                                .setParameter("hash", hash)
                                .getSingleResult();
        return withSeq(draft, seq.longValue(), hash);
    }

    /** A page of entries matching {@code filter}, newest first unless asked otherwise. */
    @Transactional
    public Page<AuditEntry> list(Filter filter, PageRequest page) {
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from audit_event where true");
        Map<String, Object> parameters = new LinkedHashMap<>();
        narrow(sql, parameters, "tenant_id", "tenant", filter.tenantId());
        narrow(sql, parameters, "action", "action", filter.action());
        narrow(sql, parameters, "actor_id", "actor", filter.actorId());
        narrow(sql, parameters, "target", "target", filter.target());
        narrow(sql, parameters, "outcome", "outcome", filter.outcome());
        if (filter.since() != null) {
            sql.append(" and created_at >= :since");
            parameters.put("since", filter.since());
        }
        if (filter.until() != null) {
            sql.append(" and created_at < :until");
            parameters.put("until", filter.until());
        }
        if (page.after() != null) {
            sql.append(page.newestFirst() ? " and seq < :after" : " and seq > :after");
            parameters.put("after", seqOf(page.after()));
        }
        sql.append(" order by seq ").append(page.newestFirst() ? "desc" : "asc");
        sql.append(" limit ").append(page.limit() + 1);
        Query query = em.createNativeQuery(sql.toString());
        parameters.forEach(query::setParameter);
        List<AuditEntry> rows = rows(query.getResultList());
        boolean more = rows.size() > page.limit();
        return new Page<>(more ? rows.subList(0, page.limit()) : rows, more);
    }

    /** Walks the whole chain in order and names the first entry that does not hold. */
    @Transactional
    public Verification verify() {
        AuditChain chain = chain();
        String expectedPrev = AuditChain.GENESIS;
        long checked = 0;
        long after = 0;
        AuditEntry last = null;
        while (true) {
            List<AuditEntry> batch =
                    rows(
                            em.createNativeQuery(
                                            "select "
                                                    + COLUMNS
                                                    + " from audit_event where seq > :after"
                                                    + " order by seq limit "
                                                    + VERIFY_BATCH)
                                    .setParameter("after", after)
                                    .getResultList());
            for (AuditEntry entry : batch) {
                checked++;
                if (!entry.prevHash().equals(expectedPrev)) {
                    return broken(
                            checked,
                            entry,
                            "its prev_hash is not the hash of the entry before it: an entry"
                                    + " before it was removed, inserted or re-hashed");
                }
                if (!chain.matches(entry)) {
                    return broken(
                            checked, entry, "its hash does not match its contents: it was edited");
                }
                expectedPrev = entry.hash();
                last = entry;
            }
            if (batch.size() < VERIFY_BATCH) {
                return new Verification(
                        true,
                        checked,
                        last == null ? null : last.id(),
                        last == null ? null : last.hash(),
                        null);
            }
            after = batch.get(batch.size() - 1).seq();
            em.clear();
        }
    }

    private static Verification broken(long checked, AuditEntry entry, String reason) {
        return new Verification(
                false, checked, null, null, new Broken(entry.id(), entry.seq(), reason));
    }

    private AuditChain chain() {
        AuditChain current = chain;
        if (current == null) {
            synchronized (this) {
                if (chain == null) {
                    chain = new AuditChain(loadOrCreateKey());
                }
                current = chain;
            }
        }
        return current;
    }

    /** The chain's key: made and stored on first use, in the caller's transaction. */
    private DataKey loadOrCreateKey() {
        em.createNativeQuery(
                        "insert into audit_key (id, wrapped_key, master_key_id, created_at) values"
                                + " (1, :wrapped, :masterKeyId, now()) on conflict (id) do nothing")
                .setParameter("wrapped", masterKeys.current().wrap(DataKey.generate(), KEY_OWNER))
                .setParameter("masterKeyId", masterKeys.current().id())
                .executeUpdate();
        Object[] row =
                (Object[])
                        em.createNativeQuery(
                                        "select wrapped_key, master_key_id from audit_key where id"
                                                + " = 1")
                                .getSingleResult();
        return masterKeys.unwrap((byte[]) row[0], KEY_OWNER, (String) row[1]);
    }

    private static void narrow(
            StringBuilder sql,
            Map<String, Object> parameters,
            String column,
            String name,
            String value) {
        if (value != null) {
            sql.append(" and ").append(column).append(" = :").append(name);
            parameters.put(name, value);
        }
    }

    private static long seqOf(String id) {
        if (id.startsWith("audit-")) {
            try {
                return Long.parseLong(id.substring("audit-".length()));
            } catch (NumberFormatException e) {
                // below
            }
        }
        throw new InvalidRequestException(
                "'after' must be the id of an audit entry (audit-<number>), got '" + id + "'.",
                "after");
    }

    private static List<AuditEntry> rows(List<?> result) {
        List<AuditEntry> entries = new ArrayList<>(result.size());
        for (Object row : result) {
            Object[] r = (Object[]) row;
            entries.add(
                    new AuditEntry(
                            ((Number) r[0]).longValue(),
                            instant(r[1]),
                            (String) r[2],
                            new AuditEntry.Actor((String) r[3], (String) r[4], (String) r[5]),
                            (String) r[6],
                            (String) r[7],
                            (String) r[8],
                            (String) r[9],
                            (String) r[10],
                            ((Number) r[11]).intValue(),
                            (String) r[12],
                            (String) r[13],
                            (String) r[14]));
        }
        return entries;
    }

    private static AuditEntry withSeq(AuditEntry e, long seq, String hash) {
        return new AuditEntry(
                seq,
                e.createdAt(),
                e.tenantId(),
                e.actor(),
                e.clientAddress(),
                e.requestId(),
                e.action(),
                e.target(),
                e.outcome(),
                e.status(),
                e.errorCode(),
                e.prevHash(),
                hash);
    }

    private static String clip(String value, int length) {
        return value == null || value.length() <= length ? value : value.substring(0, length);
    }
}
