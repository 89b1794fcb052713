package dev.anneal.store.job;

import static dev.anneal.store.SqlTimes.instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.function.Consumer;

/**
 * The transactional outbox of job events: stored events not yet published, handed out in the order
 * they were stored, marked published only once the publisher returned. One process relays at a time
 * (a transaction-scoped advisory lock), so a job's events reach the topic in their order; a crash
 * before the mark publishes them again (at least once, never lost).
 */
@ApplicationScoped
public class JobEventOutbox {

    /** The advisory lock that elects the relaying process; any constant unique to this use. */
    private static final long RELAY_LOCK = 0x616e6e65616c01L;

    private final EntityManager em;

    @Inject
    JobEventOutbox(EntityManager em) {
        this.em = em;
    }

    /**
     * Hands up to {@code limit} unpublished events, oldest first, to {@code publisher}, then marks
     * them published, all in one transaction. If another process is relaying, does nothing.
     *
     * @param publisher sends the events and returns once they are durably accepted; throwing leaves
     *     them unpublished
     * @return the number relayed, or -1 if another process holds the relay
     */
    @Transactional
    public int relay(int limit, Consumer<List<JobEvent>> publisher) {
        boolean leader =
                (Boolean)
                        em.createNativeQuery("select pg_try_advisory_xact_lock(:lock)")
                                .setParameter("lock", RELAY_LOCK)
                                .getSingleResult();
        if (!leader) {
            return -1;
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                "select id, tenant_id, job_id, job_seq, created_at, level, type,"
                                        + " message, data from job_event where not published"
                                        + " order by seq limit :limit")
                        .setParameter("limit", limit)
                        .getResultList();
        if (rows.isEmpty()) {
            return 0;
        }
        List<JobEvent> events =
                rows.stream()
                        .map(
                                r ->
                                        new JobEvent(
                                                (String) r[0],
                                                (String) r[1],
                                                (String) r[2],
                                                ((Number) r[3]).intValue(),
                                                instant(r[4]),
                                                (String) r[5],
                                                (String) r[6],
                                                (String) r[7],
                                                (String) r[8]))
                        .toList();
        publisher.accept(events);
        // The mark need not wait for the disk: losing it in a crash publishes the events again,
        // which at least once allows. Every job's creation would otherwise pay for a second flush.
        em.createNativeQuery("select set_config('synchronous_commit', 'off', true)")
                .getSingleResult();
        em.createNativeQuery("update job_event set published = true where id in (:ids)")
                .setParameter("ids", events.stream().map(JobEvent::id).toList())
                .executeUpdate();
        return events.size();
    }
}
