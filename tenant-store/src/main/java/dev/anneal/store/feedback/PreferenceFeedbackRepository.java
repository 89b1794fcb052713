package dev.anneal.store.feedback;

import dev.anneal.store.NotFoundException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.tenant.TenantKeyRing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /** Where a batch that repeats stored judgements is copied first, in its transaction only. */
    private static final String STAGING = "preference_feedback_staging";

    private static final String CREATE_STAGING =
            "create temp table "
                    + STAGING
                    + " on commit drop as select "
                    + FeedbackCopy.COLUMN_LIST
                    + " from preference_feedback with no data";

    private static final String INSERT_STAGED =
            "insert into preference_feedback ("
                    + FeedbackCopy.COLUMN_LIST
                    + ") select "
                    + FeedbackCopy.COLUMN_LIST
                    + " from "
                    + STAGING
                    + " on conflict (tenant_id, event_id) do nothing";

    private static final String UNIQUE_VIOLATION = "23505";

    private final EntityManager em;
    private final TenantKeyRing keys;

    @Inject
    PreferenceFeedbackRepository(EntityManager em, TenantKeyRing keys) {
        this.em = em;
        this.keys = keys;
    }

    /**
     * Inserts every judgement whose (tenant, event id) is not stored yet, in one transaction (the
     * caller's, if it has one); the others change nothing. Every tenant must exist, kept from
     * deletion by the transaction ({@code TenantRepository.existingKept}): the table has no foreign
     * key to check it.
     *
     * <p>The batch is copied straight into the table ({@link FeedbackCopy}) under a savepoint: the
     * common case, a batch seen for the first time, costs one {@code COPY}. When that finds a
     * judgement stored already (a batch read again after a crash or a rebalance), it is rolled back
     * to the savepoint and the batch copied into a temporary table and inserted from there with
     * {@code on conflict do nothing}.
     *
     * @return how many were new; the rest were repeats
     */
    @Transactional
    public int storeAll(List<FeedbackRow> feedback) {
        List<FeedbackRow> distinct = distinct(feedback);
        if (distinct.isEmpty()) {
            return 0;
        }
        Map<String, List<DataKey>> tenantKeys = new HashMap<>();
        for (FeedbackRow row : distinct) {
            tenantKeys.computeIfAbsent(row.tenantId(), keys::dataKeysOf);
        }
        return em.unwrap(Session.class)
                .doReturningWork(connection -> stored(connection, distinct, tenantKeys));
    }

    private static int stored(
            Connection connection, List<FeedbackRow> rows, Map<String, List<DataKey>> tenantKeys)
            throws SQLException {
        // as SQL: the pool refuses JDBC's savepoint rollback in a JTA transaction
        try (Statement savepoint = connection.createStatement()) {
            savepoint.execute("savepoint feedback_copy");
            try {
                long copied =
                        FeedbackCopy.copy(connection, "preference_feedback", rows, tenantKeys);
                savepoint.execute("release savepoint feedback_copy");
                return Math.toIntExact(copied);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                savepoint.execute("rollback to savepoint feedback_copy");
                return insertedViaStaging(connection, rows, tenantKeys);
            }
        }
    }

    private static int insertedViaStaging(
            Connection connection, List<FeedbackRow> rows, Map<String, List<DataKey>> tenantKeys)
            throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(CREATE_STAGING);
            FeedbackCopy.copy(connection, STAGING, rows, tenantKeys);
            int inserted = statement.executeUpdate(INSERT_STAGED);
            statement.execute("drop table " + STAGING);
            return inserted;
        }
    }

    /** The rows without repeats of a (tenant, event id) earlier in the list. */
    private static List<FeedbackRow> distinct(List<FeedbackRow> rows) {
        List<FeedbackRow> distinct = new ArrayList<>(rows.size());
        Map<String, Set<UUID>> events = new HashMap<>();
        for (FeedbackRow row : rows) {
            if (events.computeIfAbsent(row.tenantId(), t -> new HashSet<>()).add(row.eventId())) {
                distinct.add(row);
            }
        }
        return distinct;
    }

    /** The calling tenant's judgement with this event id. */
    public Optional<PreferenceFeedback> find(UUID eventId) {
        return em.createQuery(
                        "from PreferenceFeedback f where f.eventId = :eventId",
                        PreferenceFeedback.class)
                .setParameter("eventId", eventId)
                .getResultStream()
                .findFirst()
                .map(this::opened);
    }

    /** {@code row} with its texts opened by its tenant's data key, detached from the session. */
    private PreferenceFeedback opened(PreferenceFeedback row) {
        em.detach(row);
        row.open(keys.dataKeysOf(row.tenantId()));
        return row;
    }

    /** How many judgements the calling tenant has stored. */
    public long count() {
        return em.createQuery("select count(f) from PreferenceFeedback f", Long.class)
                .getSingleResult();
    }

    /** How often one model's answer was chosen over another's, for a pair of models. */
    public record Tally(String chosenModel, String rejectedModel, long count) {}

    /**
     * The calling tenant's pairwise judgements that name both models, counted per (chosen,
     * rejected).
     */
    @Transactional
    public List<Tally> pairwiseTallies() {
        return em.createQuery(
                        "select f.chosenModel, f.rejectedModel, count(f) from PreferenceFeedback f"
                                + " where f.type = 'pairwise' and f.chosenModel is not null and"
                                + " f.rejectedModel is not null group by f.chosenModel,"
                                + " f.rejectedModel",
                        Object[].class)
                .getResultStream()
                .map(r -> new Tally((String) r[0], (String) r[1], ((Number) r[2]).longValue()))
                .toList();
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
        if (!rows.isEmpty()) {
            List<DataKey> key = keys.dataKeysOf(rows.get(0).tenantId());
            rows.forEach(
                    row -> {
                        em.detach(row);
                        row.open(key);
                    });
        }
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
            List<List<DataKey>> key = new ArrayList<>(List.of(List.of()));
            rows.forEach(
                    row -> {
                        em.detach(row);
                        if (key.get(0).isEmpty()) {
                            key.set(0, keys.dataKeysOf(row.tenantId()));
                        }
                        row.open(key.get(0));
                        sink.accept(row);
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
