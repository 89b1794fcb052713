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
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hibernate.Session;

/**
 * Stores judgements idempotently and reads the calling tenant's. Storing is the feedback
 * consumer's, across tenants (each row carries its own); reads are scoped to the bound tenant.
 */
@ApplicationScoped
public class PreferenceFeedbackRepository {

    /** A column of the batch insert: its name, its SQL type and its value in a row. */
    private record Column(String name, String type, Function<PreferenceFeedback, Object> value) {}

    private static final List<Column> COLUMNS =
            List.of(
                    new Column("tenant_id", "varchar", PreferenceFeedback::tenantId),
                    new Column("event_id", "uuid", PreferenceFeedback::eventId),
                    new Column("type", "varchar", PreferenceFeedback::type),
                    new Column("created_at", "timestamptz", f -> f.createdAt().toString()),
                    new Column("received_at", "timestamptz", f -> f.receivedAt().toString()),
                    sealed("prompt_sealed"),
                    sealed("chosen_sealed"),
                    sealed("rejected_sealed"),
                    sealed("completion_sealed"),
                    sealed("metadata_sealed"),
                    sealed("prompt_hash"),
                    sealed("chosen_hash"),
                    sealed("rejected_hash"),
                    new Column("chosen_model", "varchar", PreferenceFeedback::chosenModel),
                    new Column("rejected_model", "varchar", PreferenceFeedback::rejectedModel),
                    new Column("model", "varchar", PreferenceFeedback::model),
                    new Column("score", "float8", PreferenceFeedback::score),
                    new Column("annotator_id", "varchar", PreferenceFeedback::annotatorId));

    private static Column sealed(String name) {
        return new Column(name, "bytea", f -> f.sealed(name));
    }

    /**
     * One statement for a whole batch: the columns travel as arrays and {@code unnest} turns them
     * back into rows, so PostgreSQL parses and plans once, and the update count is the number of
     * rows actually inserted. (A JDBC batch of single-row inserts costs a round of executor work
     * per row; pgJDBC's multi-row rewrite of it reports no per-row counts.)
     */
    private static final String INSERT =
            "insert into preference_feedback ("
                    + COLUMNS.stream().map(Column::name).collect(Collectors.joining(", "))
                    + ") select * from unnest("
                    + COLUMNS.stream()
                            .map(c -> "?::" + c.type() + "[]")
                            .collect(Collectors.joining(", "))
                    + ") on conflict (tenant_id, event_id) do nothing";

    private final EntityManager em;
    private final TenantKeyRing keys;

    @Inject
    PreferenceFeedbackRepository(EntityManager em, TenantKeyRing keys) {
        this.em = em;
        this.keys = keys;
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
        Map<String, List<DataKey>> tenantKeys = new HashMap<>();
        for (PreferenceFeedback row : feedback) {
            List<DataKey> own = tenantKeys.computeIfAbsent(row.tenantId(), keys::dataKeysOf);
            row.seal(own.get(0), own.get(own.size() - 1));
        }
        return em.unwrap(Session.class)
                .doReturningWork(
                        connection -> {
                            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                                for (int c = 0; c < COLUMNS.size(); c++) {
                                    Column column = COLUMNS.get(c);
                                    // pgJDBC encodes bytea[] from a byte[][] only
                                    Object[] values =
                                            column.type().equals("bytea")
                                                    ? new byte[feedback.size()][]
                                                    : new Object[feedback.size()];
                                    for (int i = 0; i < values.length; i++) {
                                        values[i] = column.value().apply(feedback.get(i));
                                    }
                                    insert.setArray(
                                            c + 1, connection.createArrayOf(column.type(), values));
                                }
                                return insert.executeUpdate();
                            }
                        });
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
