package dev.anneal.store.job;

import dev.anneal.store.ConflictException;
import dev.anneal.store.Ids;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.quota.Quotas;
import dev.anneal.store.tenant.CurrentTenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.TypedQuery;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The current tenant's jobs, their events and checkpoints. Every query here is filtered by
 * Hibernate's tenant discriminator: another tenant's job is as absent as one that never existed.
 */
@ApplicationScoped
public class JobRepository {

    private final EntityManager em;
    private final JobEventLog events;
    private final Quotas quotas;
    private final CurrentTenant currentTenant;

    @Inject
    JobRepository(
            EntityManager em, JobEventLog events, Quotas quotas, CurrentTenant currentTenant) {
        this.em = em;
        this.events = events;
        this.quotas = quotas;
        this.currentTenant = currentTenant;
    }

    /**
     * Queues a new job for the current tenant; its inputs were checked by the caller.
     *
     * @throws dev.anneal.store.quota.QuotaExceededException if the tenant has its quota of active
     *     jobs, or no storage left (checked under the tenant's lock)
     */
    @Transactional
    public FineTuningJob create(
            String model,
            String trainingFile,
            String validationFile,
            String suffix,
            long seed,
            JobSpec spec,
            Map<String, String> metadata) {
        quotas.requireRoomForJob(currentTenant.require());
        String id = Ids.newId("ftjob");
        List<String> opening =
                List.of(
                        "Created fine-tuning job: " + id,
                        "Files validated, moving job to queued state");
        FineTuningJob job =
                new FineTuningJob(
                        id,
                        model,
                        trainingFile,
                        validationFile,
                        suffix,
                        seed,
                        spec,
                        metadata,
                        Instant.now().truncatedTo(ChronoUnit.MICROS),
                        opening.size());
        em.persist(job);
        em.flush();
        events.opening(job, opening);
        return job;
    }

    @Transactional
    public Optional<FineTuningJob> find(String id) {
        return em.createQuery("from FineTuningJob j where j.id = :id", FineTuningJob.class)
                .setParameter("id", id)
                .getResultStream()
                .findFirst();
    }

    /** The job, or {@link NotFoundException} naming {@code fine_tuning_job_id}. */
    public FineTuningJob get(String id) {
        return find(id).orElseThrow(() -> new NotFoundException("job", id, "fine_tuning_job_id"));
    }

    /** A page of jobs, newest first. */
    @Transactional
    public Page<FineTuningJob> list(PageRequest page) {
        if (page.after() != null) {
            get(page.after());
        }
        return page(
                "from FineTuningJob j where 1 = 1",
                "(select a.seq from FineTuningJob a where a.id = :after)",
                "j.seq",
                page,
                FineTuningJob.class,
                Map.of());
    }

    /**
     * Cancels a job: a queued one at once, a running one by asking its worker to stop (it stops
     * within seconds and marks the job cancelled).
     *
     * @throws ConflictException if the job has ended already
     */
    @Transactional
    public FineTuningJob cancel(String id) {
        FineTuningJob job = get(id);
        em.lock(job, LockModeType.PESSIMISTIC_WRITE);
        em.refresh(job);
        if (job.status().isFinal()) {
            throw new ConflictException(
                    "Job " + id + " has already ended (" + job.status().wireName() + ").",
                    "fine_tuning_job_id");
        }
        if (job.status() == JobStatus.RUNNING) {
            if (!job.cancelRequested()) {
                job.requestCancel();
                em.flush();
                events.info(id, "Cancellation requested; stopping the job");
            }
        } else {
            job.cancelNow(Instant.now().truncatedTo(ChronoUnit.MICROS));
            em.flush();
            events.ended(id, JobStatus.CANCELLED, JobEventLog.INFO, "Job cancelled", Map.of());
        }
        em.refresh(job);
        return job;
    }

    /**
     * A page of a job's events in OpenAI's order, newest first; {@code after} is an event id and
     * the page holds the events older than it.
     */
    @Transactional
    public Page<JobEvent> events(String jobId, PageRequest page) {
        get(jobId);
        if (page.after() != null) {
            eventById(jobId, page.after());
        }
        return page(
                "from JobEvent j where j.jobId = :job",
                "(select a.jobSeq from JobEvent a where a.id = :after)",
                "j.jobSeq",
                page,
                JobEvent.class,
                Map.of("job", jobId));
    }

    /** Up to {@code limit} events of a job numbered above {@code afterSeq}, oldest first. */
    @Transactional
    public List<JobEvent> eventsSince(String jobId, int afterSeq, int limit) {
        return em.createQuery(
                        "from JobEvent e where e.jobId = :job and e.jobSeq > :seq"
                                + " order by e.jobSeq",
                        JobEvent.class)
                .setParameter("job", jobId)
                .setParameter("seq", afterSeq)
                .setMaxResults(limit)
                .getResultList();
    }

    /** The sequence number of a job's event, or {@link NotFoundException} naming {@code after}. */
    @Transactional
    public int eventSeq(String jobId, String eventId) {
        return eventById(jobId, eventId).jobSeq();
    }

    /** A page of a job's checkpoints, newest first. */
    @Transactional
    public Page<JobCheckpoint> checkpoints(String jobId, PageRequest page) {
        get(jobId);
        if (page.after() != null) {
            checkpoint(jobId, page.after(), "after");
        }
        return page(
                "from JobCheckpoint j where j.jobId = :job",
                "(select a.step from JobCheckpoint a where a.id = :after)",
                "j.step",
                page,
                JobCheckpoint.class,
                Map.of("job", jobId));
    }

    /** One checkpoint of one of the tenant's jobs, or {@link NotFoundException}. */
    @Transactional
    public JobCheckpoint checkpoint(String jobId, String checkpointId, String param) {
        get(jobId);
        return em.createQuery(
                        "from JobCheckpoint c where c.jobId = :job and c.id = :id",
                        JobCheckpoint.class)
                .setParameter("job", jobId)
                .setParameter("id", checkpointId)
                .getResultStream()
                .findFirst()
                .orElseThrow(() -> new NotFoundException("checkpoint", checkpointId, param));
    }

    private JobEvent eventById(String jobId, String eventId) {
        return em.createQuery("from JobEvent e where e.jobId = :job and e.id = :id", JobEvent.class)
                .setParameter("job", jobId)
                .setParameter("id", eventId)
                .getResultStream()
                .findFirst()
                .orElseThrow(() -> new NotFoundException("event", eventId, "after"));
    }

    /** One page of {@code from} ordered by {@code order}, after the row {@code afterPosition}. */
    private <T> Page<T> page(
            String from,
            String afterPosition,
            String order,
            PageRequest page,
            Class<T> type,
            Map<String, Object> parameters) {
        StringBuilder hql = new StringBuilder(from);
        if (page.after() != null) {
            hql.append(" and ")
                    .append(order)
                    .append(page.newestFirst() ? " < " : " > ")
                    .append(afterPosition);
        }
        hql.append(" order by ").append(order).append(page.newestFirst() ? " desc" : " asc");
        TypedQuery<T> query = em.createQuery(hql.toString(), type);
        parameters.forEach(query::setParameter);
        if (page.after() != null) {
            query.setParameter("after", page.after());
        }
        List<T> rows = query.setMaxResults(page.limit() + 1).getResultList();
        boolean hasMore = rows.size() > page.limit();
        return new Page<>(hasMore ? rows.subList(0, page.limit()) : rows, hasMore);
    }
}
