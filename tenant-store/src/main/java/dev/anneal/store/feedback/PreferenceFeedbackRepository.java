package dev.anneal.store.feedback;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.PreparedStatement;
import java.sql.Types;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.Session;

/**
 * Stores judgements idempotently and reads the calling tenant's. Storing is the feedback
 * consumer's, across tenants (each row carries its own); reads are scoped to the bound tenant.
 */
@ApplicationScoped
public class PreferenceFeedbackRepository {

    private static final String INSERT =
            "insert into preference_feedback (tenant_id, event_id, type, created_at, received_at,"
                    + " prompt, chosen, rejected, chosen_model, rejected_model, completion, model,"
                    + " score, annotator_id, metadata)"
                    + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " on conflict (tenant_id, event_id) do nothing";

    private final EntityManager em;

    @Inject
    PreferenceFeedbackRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * Inserts every judgement whose (tenant, event id) is not stored yet, in one transaction (the
     * caller's, if it has one); the others change nothing. Every tenant must exist.
     *
     * @return how many were new; the rest were repeats
     */
    @Transactional
    public int storeAll(List<PreferenceFeedback> feedback) {
        if (feedback.isEmpty()) {
            return 0;
        }
        return em.unwrap(Session.class)
                .doReturningWork(
                        connection -> {
                            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                                for (PreferenceFeedback f : feedback) {
                                    bind(insert, f);
                                    insert.addBatch();
                                }
                                int stored = 0;
                                for (int count : insert.executeBatch()) {
                                    stored += count;
                                }
                                return stored;
                            }
                        });
    }

    private static void bind(PreparedStatement insert, PreferenceFeedback f)
            throws java.sql.SQLException {
        insert.setString(1, f.tenantId());
        insert.setObject(2, f.eventId());
        insert.setString(3, f.type());
        insert.setObject(4, f.createdAt().atOffset(ZoneOffset.UTC));
        insert.setObject(5, f.receivedAt().atOffset(ZoneOffset.UTC));
        insert.setString(6, f.prompt());
        insert.setString(7, f.chosen());
        insert.setString(8, f.rejected());
        insert.setString(9, f.chosenModel());
        insert.setString(10, f.rejectedModel());
        insert.setString(11, f.completion());
        insert.setString(12, f.model());
        if (f.score() == null) {
            insert.setNull(13, Types.DOUBLE);
        } else {
            insert.setDouble(13, f.score());
        }
        insert.setString(14, f.annotatorId());
        insert.setString(15, f.metadata());
    }

    /** The calling tenant's judgement with this event id. */
    public Optional<PreferenceFeedback> find(UUID eventId) {
        return em.createQuery(
                        "from PreferenceFeedback f where f.eventId = :eventId",
                        PreferenceFeedback.class)
                .setParameter("eventId", eventId)
                .getResultStream()
                .findFirst();
    }

    /** How many judgements the calling tenant has stored. */
    public long count() {
        return em.createQuery("select count(f) from PreferenceFeedback f", Long.class)
                .getSingleResult();
    }
}
