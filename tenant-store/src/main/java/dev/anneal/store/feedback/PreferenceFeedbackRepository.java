package dev.anneal.store.feedback;

import dev.anneal.store.NotFoundException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import jakarta.transaction.Transactional;
import java.sql.PreparedStatement;
import java.sql.Types;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
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

    /**
     * A page of the tenant's judgements matching {@code filter}, newest first unless asked
     * otherwise; {@code after} is an event id.
     */
    @Transactional
    public Page<PreferenceFeedback> list(FeedbackFilter filter, PageRequest page) {
        StringBuilder hql = new StringBuilder("from PreferenceFeedback f where 1 = 1");
        Map<String, Object> parameters = new HashMap<>();
        where(filter, hql, parameters);
        if (page.after() != null) {
            UUID after = eventId(page.after(), "after");
            PreferenceFeedback cursor =
                    find(after)
                            .orElseThrow(
                                    () -> new NotFoundException("feedback", page.after(), "after"));
            hql.append(page.newestFirst() ? " and f.seq < :cursor" : " and f.seq > :cursor");
            parameters.put("cursor", cursor.seq());
        }
        hql.append(page.newestFirst() ? " order by f.seq desc" : " order by f.seq asc");
        TypedQuery<PreferenceFeedback> query =
                em.createQuery(hql.toString(), PreferenceFeedback.class);
        parameters.forEach(query::setParameter);
        List<PreferenceFeedback> rows = query.setMaxResults(page.limit() + 1).getResultList();
        boolean hasMore = rows.size() > page.limit();
        return new Page<>(hasMore ? rows.subList(0, page.limit()) : rows, hasMore);
    }

    /** Every judgement of the tenant matching {@code filter}, oldest first, to {@code sink}. */
    @Transactional
    public void forEach(FeedbackFilter filter, Consumer<PreferenceFeedback> sink) {
        StringBuilder hql = new StringBuilder("from PreferenceFeedback f where 1 = 1");
        Map<String, Object> parameters = new HashMap<>();
        where(filter, hql, parameters);
        hql.append(" order by f.seq asc");
        TypedQuery<PreferenceFeedback> query =
                em.createQuery(hql.toString(), PreferenceFeedback.class);
        parameters.forEach(query::setParameter);
        try (Stream<PreferenceFeedback> rows =
                query.setHint("org.hibernate.fetchSize", 1000).getResultStream()) {
            rows.forEach(
                    row -> {
                        sink.accept(row);
                        em.detach(row);
                    });
        }
    }

    private static void where(
            FeedbackFilter filter, StringBuilder hql, Map<String, Object> parameters) {
        if (filter.model() != null) {
            hql.append(
                    " and (f.model = :model or f.chosenModel = :model or f.rejectedModel = :model)");
            parameters.put("model", filter.model());
        }
        if (filter.type() != null) {
            hql.append(" and f.type = :type");
            parameters.put("type", filter.type());
        }
        if (filter.annotatorId() != null) {
            hql.append(" and f.annotatorId = :annotator");
            parameters.put("annotator", filter.annotatorId());
        }
        if (filter.createdAfter() != null) {
            hql.append(" and f.createdAt >= :after");
            parameters.put("after", filter.createdAfter());
        }
        if (filter.createdBefore() != null) {
            hql.append(" and f.createdAt < :before");
            parameters.put("before", filter.createdBefore());
        }
    }

    /** Parses an event id, or fails naming {@code param}. */
    public static UUID eventId(String id, String param) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("feedback", id, param);
        }
    }
}
