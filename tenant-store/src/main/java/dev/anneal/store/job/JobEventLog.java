package dev.anneal.store.job;

import dev.anneal.store.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends a job's events in order. Each append takes the next number of its job by incrementing the
 * job row's counter, which also locks the row until the transaction ends: events of one job are
 * numbered 1, 2, 3, … with no gap and no duplicate, whoever appends them (the worker, or the API
 * cancelling).
 *
 * <p>After the transaction commits, the event is fired as a CDI event ({@link JobEvent}), which the
 * server publishes to Kafka; observe it with {@code @Observes(during = AFTER_SUCCESS)}.
 */
@ApplicationScoped
public class JobEventLog {

    /** Event levels. */
    public static final String INFO = "info";

    public static final String WARN = "warn";
    public static final String ERROR = "error";

    /** Event types: a line for people, or metrics (with {@code data}). */
    public static final String MESSAGE = "message";

    public static final String METRICS = "metrics";

    /** The key of a last event's {@code data} that holds the job's final status. */
    public static final String STATUS = "status";

    private final EntityManager em;

    @Inject
    JobEventLog(EntityManager em) {
        this.em = em;
    }

    /**
     * Appends an event to a job of any tenant, in the caller's transaction or a new one.
     *
     * @param jobId the job
     * @param level {@link #INFO}, {@link #WARN} or {@link #ERROR}
     * @param type {@link #MESSAGE} or {@link #METRICS}
     * @param message a line for people
     * @param data structured details, or {@code null}
     * @return the stored event
     */
    @Transactional
    public JobEvent append(
            String jobId, String level, String type, String message, Map<String, ?> data) {
        Object[] row =
                (Object[])
                        em.createNativeQuery(
                                        "update fine_tuning_job set event_count = event_count + 1"
                                                + " where id = :id returning event_count, tenant_id")
                                .setParameter("id", jobId)
                                .getSingleResult();
        int seq = ((Number) row[0]).intValue();
        String tenantId = (String) row[1];
        JobEvent event =
                new JobEvent(
                        Ids.newId("ftevent"),
                        tenantId,
                        jobId,
                        seq,
                        Instant.now().truncatedTo(ChronoUnit.MICROS),
                        level,
                        type,
                        message,
                        data == null ? null : FineTuningJob.write(data));
        insert(List.of(event));
        return event;
    }

    /**
     * Stores the first events of {@code job}, persisted in this transaction with its event count
     * already set to their number: numbered 1, 2, … in one statement.
     */
    void opening(FineTuningJob job, List<String> messages) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<JobEvent> opening = new ArrayList<>(messages.size());
        for (String message : messages) {
            opening.add(
                    new JobEvent(
                            Ids.newId("ftevent"),
                            job.tenantId(),
                            job.id(),
                            opening.size() + 1,
                            now,
                            INFO,
                            MESSAGE,
                            message,
                            null));
        }
        insert(opening);
    }

    private void insert(List<JobEvent> events) {
        StringBuilder sql =
                new StringBuilder(
                        "insert into job_event (id, tenant_id, job_id, job_seq, created_at, level,"
                                + " type, message, data) values ");
        for (int i = 0; i < events.size(); i++) {
            sql.append(i == 0 ? "" : ", ")
                    .append(
                            "(:id%1$d, :tenant%1$d, :job%1$d, :seq%1$d, :created%1$d, :level%1$d,"
                                    .formatted(i))
                    .append(" :type%1$d, :message%1$d, :data%1$d)".formatted(i));
        }
        Query insert = em.createNativeQuery(sql.toString());
        for (int i = 0; i < events.size(); i++) {
            JobEvent event = events.get(i);
            insert.setParameter("id" + i, event.id())
                    .setParameter("tenant" + i, event.tenantId())
                    .setParameter("job" + i, event.jobId())
                    .setParameter("seq" + i, event.jobSeq())
                    .setParameter("created" + i, event.createdAt())
                    .setParameter("level" + i, event.level())
                    .setParameter("type" + i, event.type())
                    .setParameter("message" + i, event.message())
                    .setParameter("data" + i, event.data());
        }
        insert.executeUpdate();
    }

    /**
     * Appends a job's last event, the one written as it ends: its {@code data} carries the job's
     * final {@code status}, which tells whoever follows the events live that no more will come.
     */
    public JobEvent ended(
            String jobId, JobStatus status, String level, String message, Map<String, ?> data) {
        Map<String, Object> withStatus = new LinkedHashMap<>(data);
        withStatus.put(STATUS, status.wireName());
        return append(jobId, level, MESSAGE, message, withStatus);
    }

    /**
     * Where each of {@code jobIds} stands, of any tenant, in one query: the number of its last
     * event and whether it has ended. Unknown ids are left out.
     */
    @Transactional
    public Map<String, Progress> progress(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                "select id, event_count, status in ('succeeded', 'failed',"
                                        + " 'cancelled') from fine_tuning_job where id in (:ids)")
                        .setParameter("ids", jobIds)
                        .getResultList();
        Map<String, Progress> progress = new HashMap<>();
        for (Object[] row : rows) {
            progress.put(
                    (String) row[0],
                    new Progress(((Number) row[1]).intValue(), Boolean.TRUE.equals(row[2])));
        }
        return progress;
    }

    /**
     * A job's place in its events.
     *
     * @param lastSeq the number of its last committed event
     * @param ended whether the job has ended
     */
    public record Progress(int lastSeq, boolean ended) {}

    /** Appends an informational message. */
    public JobEvent info(String jobId, String message) {
        return append(jobId, INFO, MESSAGE, message, null);
    }
}
