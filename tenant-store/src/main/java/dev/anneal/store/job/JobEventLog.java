package dev.anneal.store.job;

import dev.anneal.store.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
        em.createNativeQuery(
                        "insert into job_event (id, tenant_id, job_id, job_seq, created_at, level,"
                                + " type, message, data) values (:id, :tenant, :job, :seq,"
                                + " :created, :level, :type, :message, :data)")
                .setParameter("id", event.id())
                .setParameter("tenant", tenantId)
                .setParameter("job", jobId)
                .setParameter("seq", seq)
                .setParameter("created", event.createdAt())
                .setParameter("level", level)
                .setParameter("type", type)
                .setParameter("message", message)
                .setParameter("data", event.data())
                .executeUpdate();
        return event;
    }

    /** Appends an informational message. */
    public JobEvent info(String jobId, String message) {
        return append(jobId, INFO, MESSAGE, message, null);
    }
}
