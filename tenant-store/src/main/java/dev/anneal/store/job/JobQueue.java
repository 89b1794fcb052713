package dev.anneal.store.job;

import dev.anneal.store.TransactionLocks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The queue of fine-tuning jobs, across all tenants, in PostgreSQL: workers claim jobs with {@code
 * SELECT … FOR UPDATE SKIP LOCKED}, hold them by a lease they renew, and finish them. Every write
 * after the claim is fenced by the lease (owner and attempt), so a worker that lost its lease
 * changes nothing.
 *
 * <p>Order is fair across tenants: a tenant's k-th waiting job (counting its running ones) comes
 * after every other tenant's (k−1)-th, so one tenant's hundred queued jobs do not starve another's
 * one. Jobs whose lease expired (their worker died) come first and are taken over.
 *
 * <p>A job is not retried forever: each attempt that ends without finishing it (its worker died or
 * lost the lease, or the run failed in a way worth retrying, {@link #retry}) counts as lost, and
 * once {@code maxAttempts} are lost the job fails instead of running again. A worker that shuts
 * down and hands its job back ({@link #release}) loses nothing.
 */
@ApplicationScoped
public class JobQueue {

    /**
     * A job waiting for a worker, as a condition on a {@code fine_tuning_job} row: queued, or
     * running on a lease that expired (its worker is gone), to be taken over.
     */
    private static final String WAITING =
            "(status = 'queued' or (status = 'running' and lease_expires_at <= now()))";

    /** A job running on a live lease, as a condition on a {@code fine_tuning_job} row. */
    private static final String LIVE = "(status = 'running' and lease_expires_at > now())";

    /** The order jobs are claimed in; also gives the queue position. */
    private static final String CANDIDATES =
            """
            with running as (
                select tenant_id, count(*) as n from fine_tuning_job where %s group by tenant_id),
            waiting as (
                select j.id, j.tenant_id, j.seq, j.status, coalesce(r.n, 0) as running,
                       row_number() over (partition by j.tenant_id order by j.seq)
                           + coalesce(r.n, 0) as turn
                from fine_tuning_job j left join running r on r.tenant_id = j.tenant_id
                where %s
                  and j.tenant_id not in (select id from tenant where suspended_at is not null))
            """
                    .formatted(LIVE, WAITING);

    /**
     * Where queued job {@code :id} stands in {@link #CANDIDATES}' order, computed without ranking
     * the whole queue: 0 when it is not queued or its tenant is suspended. The jobs ahead of it are
     * the jobs waiting to be taken over (always first); its own tenant's queued jobs up to it; and
     * of each other tenant's waiting jobs, the first k by {@code seq}, k being the job's turn less
     * that tenant's running jobs (those k have a turn at most the job's; at an equal turn the older
     * job goes first), less those waiting to be taken over, counted already. It reads the index
     * entries of the jobs ahead and a few per tenant, so a tenant's long queue costs the creations
     * of others nothing. {@code JobQueueIT} checks it against the ranking of the whole queue.
     */
    private static final String ONE_POSITION =
            """
            with waiting as not materialized (select * from fine_tuning_job where %s),
            live as not materialized (select * from fine_tuning_job where %s),
            me as (
                select j.tenant_id, j.seq, own.ahead,
                       own.rank + (select count(*) from live r where r.tenant_id = j.tenant_id)
                           as turn
                from fine_tuning_job j
                join tenant t on t.id = j.tenant_id and t.suspended_at is null
                cross join lateral (
                    select count(*) as rank, count(*) filter (where w.status = 'queued') as ahead
                    from waiting w where w.tenant_id = j.tenant_id and w.seq <= j.seq) own
                where j.id = :id and j.status = 'queued')
            select me.ahead
                   + (select count(*) from waiting e join tenant t on t.id = e.tenant_id
                      where e.status = 'running' and t.suspended_at is null)
                   + (select coalesce(sum(others.ahead), 0)
                      from tenant u
                      cross join lateral (
                          select me.turn - (select count(*) from live r where r.tenant_id = u.id)
                              as k) uk
                      cross join lateral (
                          select count(*) filter (
                                     where x.status = 'queued'
                                       and (x.rank < uk.k or x.seq <= me.seq)) as ahead
                          from (select w.status, w.seq, row_number() over (order by w.seq) as rank
                                from waiting w where w.tenant_id = u.id
                                order by w.seq limit greatest(uk.k, 0)) x) others
                      where u.suspended_at is null and u.id <> me.tenant_id)
            from me
            """
                    .formatted(WAITING, LIVE);

    private final EntityManager em;
    private final JobEventLog events;

    @Inject
    JobQueue(EntityManager em, JobEventLog events) {
        this.em = em;
        this.events = events;
    }

    /**
     * Claims the next job for {@code owner}, if any: a queued job, or a running one whose lease
     * expired. A tenant with {@code perTenantLimit} running jobs gets no more. A job whose worker
     * was lost for the {@code maxAttempts}-th time fails here instead of being claimed.
     */
    @Transactional
    public Optional<JobLease> claim(
            String owner, Duration lease, int perTenantLimit, int maxAttempts) {
        @SuppressWarnings("unchecked")
        List<Object[]> candidates =
                em.createNativeQuery(
                                CANDIDATES
                                        + " select id, tenant_id from waiting where running <"
                                        + " :limit order by (status = 'running') desc, turn, seq"
                                        + " limit 32")
                        .setParameter("limit", perTenantLimit)
                        .getResultList();
        for (Object[] candidate : candidates) {
            String jobId = (String) candidate[0];
            String tenantId = (String) candidate[1];
            @SuppressWarnings("unchecked")
            List<Object> locked =
                    em.createNativeQuery(
                                    "select case when status = 'queued' then 'queued' when"
                                            + " lease_owner is null then 'released' else 'lost' end"
                                            + " from fine_tuning_job where id = :id and "
                                            + WAITING
                                            + " for update skip locked")
                            .setParameter("id", jobId)
                            .getResultList();
            if (locked.isEmpty()) {
                continue; // another worker has it
            }
            String previous = (String) locked.get(0);
            if (previous.equals("lost") && failIfLostTooOften(jobId, maxAttempts)) {
                continue;
            }
            // Serialise the limit check per tenant: two workers must not both take its last slot.
            TransactionLocks.lock(em, tenantId);
            long running =
                    ((Number)
                                    em.createNativeQuery(
                                                    "select count(*) from fine_tuning_job where"
                                                            + " tenant_id = :tenant and "
                                                            + LIVE)
                                            .setParameter("tenant", tenantId)
                                            .getSingleResult())
                            .longValue();
            if (running >= perTenantLimit) {
                continue;
            }
            int attempt =
                    ((Number)
                                    em.createNativeQuery(
                                                    "update fine_tuning_job set lost_attempts ="
                                                            + " lost_attempts + (case when status ="
                                                            + " 'running' and lease_owner is not null"
                                                            + " then 1 else 0 end), status = 'running',"
                                                            + " lease_owner = :owner, lease_expires_at"
                                                            + " = now() + make_interval(secs =>"
                                                            + " :lease), attempts = attempts + 1,"
                                                            + " started_at = coalesce(started_at,"
                                                            + " now()) where id = :id returning"
                                                            + " attempts")
                                            .setParameter("owner", owner)
                                            .setParameter("lease", seconds(lease))
                                            .setParameter("id", jobId)
                                            .getSingleResult())
                            .intValue();
            JobLease claimed = new JobLease(jobId, tenantId, owner, attempt);
            if (previous.equals("lost")) {
                events.append(
                        jobId,
                        JobEventLog.WARN,
                        JobEventLog.MESSAGE,
                        "Job restarted from its last checkpoint on another worker (attempt "
                                + attempt
                                + "): the previous worker stopped renewing its lease",
                        Map.of("attempt", attempt));
            } else if (claimed.isTakeover()) {
                events.info(
                        jobId, "Job restarted from its last checkpoint (attempt " + attempt + ")");
            } else {
                events.info(jobId, "Fine-tuning job started");
            }
            return Optional.of(claimed);
        }
        return Optional.empty();
    }

    /** Sets the estimated finish time shown in the job object; false if the lease is lost. */
    @Transactional
    public boolean estimateFinish(JobLease held, Instant finish) {
        return fenced(held, "estimated_finish = :finish", Map.of("finish", finish)) == 1;
    }

    /**
     * Records a checkpoint whose archive the caller stored as the blob {@code checkpointId}.
     *
     * @return false if the lease is lost (the caller then deletes the blob)
     */
    @Transactional
    public boolean addCheckpoint(
            JobLease held, String checkpointId, int step, Map<String, ?> metrics, long bytes) {
        if (!holds(held)) {
            return false;
        }
        em.createNativeQuery(
                        "insert into job_checkpoint (id, tenant_id, job_id, step, metrics, bytes,"
                                + " created_at) values (:id, :tenant, :job, :step, :metrics,"
                                + " :bytes, now()) on conflict (job_id, step) do nothing")
                .setParameter("id", checkpointId)
                .setParameter("tenant", held.tenantId())
                .setParameter("job", held.jobId())
                .setParameter("step", step)
                .setParameter("metrics", FineTuningJob.write(metrics))
                .setParameter("bytes", bytes)
                .executeUpdate();
        events.append(
                held.jobId(),
                JobEventLog.INFO,
                JobEventLog.MESSAGE,
                "Checkpoint created at step " + step,
                Map.of("step", step, "checkpoint_id", checkpointId));
        return true;
    }

    /**
     * Deletes the records of the job's checkpoints older than its {@code kept} newest; the caller
     * then deletes their blobs.
     *
     * @return the ids of the checkpoints deleted; empty too if the lease is lost
     */
    @Transactional
    public List<String> pruneCheckpoints(JobLease held, int kept) {
        if (!holds(held)) {
            return List.of();
        }
        @SuppressWarnings("unchecked")
        List<String> deleted =
                em.createNativeQuery(
                                "delete from job_checkpoint where job_id = :job and id not in"
                                        + " (select id from job_checkpoint where job_id = :job order"
                                        + " by step desc limit :kept) returning id")
                        .setParameter("job", held.jobId())
                        .setParameter("kept", kept)
                        .getResultList();
        return deleted;
    }

    /** The job's latest checkpoint (id and step), to resume from after a takeover. */
    @Transactional
    public Optional<JobCheckpointRef> latestCheckpoint(String jobId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                "select id, step from job_checkpoint where job_id = :job order by"
                                        + " step desc limit 1")
                        .setParameter("job", jobId)
                        .getResultList();
        return rows.stream()
                .findFirst()
                .map(r -> new JobCheckpointRef((String) r[0], ((Number) r[1]).intValue()));
    }

    /** A checkpoint's id and step. */
    public record JobCheckpointRef(String id, int step) {}

    /**
     * Marks the job succeeded with its fine-tuned model (whose archive the caller stored as the
     * blob {@code model.blobName()}).
     *
     * @return false if the lease is lost (the caller then deletes the blob)
     */
    @Transactional
    public boolean succeed(
            JobLease held, FineTunedModelRow model, long trainedTokens, List<String> resultFiles) {
        int updated =
                fenced(
                        held,
                        "status = 'succeeded', finished_at = now(), fine_tuned_model = :model,"
                                + " trained_tokens = :tokens, result_files = :files,"
                                + " estimated_finish = null, lease_owner = null,"
                                + " lease_expires_at = null",
                        Map.of(
                                "model", model.id(),
                                "tokens", trainedTokens,
                                "files", FineTuningJob.write(resultFiles)));
        if (updated == 0) {
            return false;
        }
        em.createNativeQuery(
                        "insert into fine_tuned_model (id, tenant_id, job_id, base_model, kind,"
                                + " blob_name, bytes, created_at) values (:id, :tenant, :job,"
                                + " :base, :kind, :blob, :bytes, now())")
                .setParameter("id", model.id())
                .setParameter("tenant", held.tenantId())
                .setParameter("job", held.jobId())
                .setParameter("base", model.baseModel())
                .setParameter("kind", model.kind().wireName())
                .setParameter("blob", model.blobName())
                .setParameter("bytes", model.bytes())
                .executeUpdate();
        events.ended(
                held.jobId(),
                JobStatus.SUCCEEDED,
                JobEventLog.INFO,
                "The job has successfully completed",
                Map.of("fine_tuned_model", model.id()));
        return true;
    }

    /**
     * The row of a fine-tuned model a job produces.
     *
     * @param id its name, {@code ft:<base>:<suffix>:<job id>}
     * @param baseModel the base model's id
     * @param kind LoRA (a PEFT adapter) or full (Hugging Face weights)
     * @param blobName the blob holding its zip archive
     * @param bytes the archive's size
     */
    public record FineTunedModelRow(
            String id, String baseModel, TrainingType kind, String blobName, long bytes) {}

    /** Marks the job failed with {@code error}; false if the lease is lost. */
    @Transactional
    public boolean fail(JobLease held, JobError error) {
        Map<String, Object> values = new HashMap<>();
        values.put("code", error.code());
        values.put("message", error.message());
        values.put("param", error.param() == null ? "" : error.param());
        int updated =
                fenced(
                        held,
                        "status = 'failed', finished_at = now(), error_code = :code, error_message"
                                + " = :message, error_param = nullif(:param, ''),"
                                + " estimated_finish = null, lease_owner = null,"
                                + " lease_expires_at = null",
                        values);
        if (updated == 1) {
            events.ended(
                    held.jobId(),
                    JobStatus.FAILED,
                    JobEventLog.ERROR,
                    "The job failed: " + error.message(),
                    Map.of("code", error.code()));
        }
        return updated == 1;
    }

    /** Marks the job cancelled after its worker stopped; false if the lease is lost. */
    @Transactional
    public boolean cancelled(JobLease held) {
        int updated =
                fenced(
                        held,
                        "status = 'cancelled', finished_at = now(), estimated_finish = null,"
                                + " lease_owner = null, lease_expires_at = null",
                        Map.of());
        if (updated == 1) {
            events.ended(
                    held.jobId(), JobStatus.CANCELLED, JobEventLog.INFO, "Job cancelled", Map.of());
        }
        return updated == 1;
    }

    /**
     * Gives a running job back to the queue at once (its worker shuts down, or its tenant was
     * suspended): it is queued again, and the worker that claims it resumes it from its last
     * checkpoint.
     *
     * @param why the event's message, what happened and where the job goes
     */
    @Transactional
    public boolean release(JobLease held, String why) {
        // queued again, without an owner: the next claim resumes it from its last checkpoint
        // without counting a lost attempt
        int updated =
                fenced(
                        held,
                        "status = 'queued', lease_expires_at = null, lease_owner = null,"
                                + " estimated_finish = null",
                        Map.of());
        if (updated == 1) {
            events.info(held.jobId(), why);
        }
        return updated == 1;
    }

    /**
     * The queue at a glance, across tenants: jobs waiting for a worker, and the running jobs held
     * by each worker (by its lease owner).
     */
    public record Overview(long queued, Map<String, Long> runningByWorker) {}

    /** The queue at a glance, for the administrator's console. */
    @Transactional
    public Overview overview() {
        long queued =
                ((Number)
                                em.createNativeQuery(
                                                "select count(*) from fine_tuning_job where status"
                                                        + " = 'queued'")
                                        .getSingleResult())
                        .longValue();
        Map<String, Long> running = new java.util.TreeMap<>();
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                "select lease_owner, count(*) from fine_tuning_job where status ="
                                        + " 'running' and lease_owner is not null group by"
                                        + " lease_owner")
                        .getResultList();
        rows.forEach(r -> running.put((String) r[0], ((Number) r[1]).longValue()));
        return new Overview(queued, running);
    }

    /**
     * Where a queued job stands: 1 for the next job to be claimed, in the queue's fair order; empty
     * when it is not queued (running, ended, or waiting to be taken over from a lost worker) or its
     * tenant is suspended. A job's creation asks this, so it costs what the jobs ahead of this one
     * and the number of tenants make it cost, not the length of the whole queue.
     */
    @Transactional
    public Optional<Long> position(String jobId) {
        @SuppressWarnings("unchecked")
        List<Number> position =
                em.createNativeQuery(ONE_POSITION).setParameter("id", jobId).getResultList();
        return position.isEmpty() || position.get(0).longValue() == 0
                ? Optional.empty()
                : Optional.of(position.get(0).longValue());
    }

    /**
     * The places in the queue of those of {@code jobIds} that wait (1 is next), in one query: a
     * page of a list asks once, not once per job.
     */
    @Transactional
    public Map<String, Long> positions(java.util.Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery(
                                CANDIDATES
                                        + " select id, position from (select id, row_number()"
                                        + " over (order by (status = 'running') desc, turn, seq)"
                                        + " as position from waiting) p where id in (:ids)")
                        .setParameter("ids", jobIds)
                        .getResultList();
        Map<String, Long> positions = new HashMap<>();
        rows.forEach(r -> positions.put((String) r[0], ((Number) r[1]).longValue()));
        return positions;
    }

    private boolean holds(JobLease held) {
        return !em.createNativeQuery(
                        "select 1 from fine_tuning_job where id = :id and lease_owner = :owner and"
                                + " attempts = :attempt and status = 'running' for update")
                .setParameter("id", held.jobId())
                .setParameter("owner", held.owner())
                .setParameter("attempt", held.attempt())
                .getResultList()
                .isEmpty();
    }

    /**
     * Fails a locked job whose expired lease was held by a worker (not handed back) when that lost
     * attempt is its {@code maxAttempts}-th.
     *
     * @return whether it failed
     */
    private boolean failIfLostTooOften(String jobId, int maxAttempts) {
        int updated =
                em.createNativeQuery(
                                "update fine_tuning_job set status = 'failed', finished_at = now(),"
                                        + " lost_attempts = lost_attempts + 1, error_code ="
                                        + " 'worker_lost', error_message = :message, error_param ="
                                        + " null, estimated_finish = null, lease_owner = null,"
                                        + " lease_expires_at = null where id = :id and status ="
                                        + " 'running' and lease_owner is not null and"
                                        + " lost_attempts + 1 >= :max")
                        .setParameter("id", jobId)
                        .setParameter("max", maxAttempts)
                        .setParameter("message", lostMessage(maxAttempts))
                        .executeUpdate();
        if (updated == 1) {
            events.ended(
                    jobId,
                    JobStatus.FAILED,
                    JobEventLog.ERROR,
                    "The job failed: " + lostMessage(maxAttempts),
                    Map.of("code", "worker_lost"));
        }
        return updated == 1;
    }

    private static String lostMessage(int maxAttempts) {
        return "Its worker stopped without finishing it "
                + maxAttempts
                + (maxAttempts == 1 ? " time" : " times")
                + " (the process ran out of memory, crashed or lost its connection); it is not"
                + " retried again.";
    }

    /**
     * Ends an attempt that failed in a way worth retrying (out of memory, an engine fault): the job
     * goes back to the queue to start again from its last checkpoint, or, if this was its {@code
     * maxAttempts}-th lost attempt, fails with {@code error}. False if the lease is lost.
     */
    @Transactional
    public boolean retry(JobLease held, JobError error, int maxAttempts) {
        int requeued =
                fenced(
                        held,
                        "status = 'queued', lost_attempts = lost_attempts + 1, lease_owner = null,"
                                + " lease_expires_at = null, estimated_finish = null",
                        "lost_attempts + 1 < :max",
                        Map.of("max", maxAttempts));
        if (requeued == 1) {
            events.append(
                    held.jobId(),
                    JobEventLog.WARN,
                    JobEventLog.MESSAGE,
                    "Attempt "
                            + held.attempt()
                            + " failed: "
                            + error.message()
                            + " The job goes back to the queue.",
                    Map.of("code", error.code(), "attempt", held.attempt()));
            return true;
        }
        return fail(held, error);
    }

    private int fenced(JobLease held, String assignments, Map<String, ?> values) {
        return fenced(held, assignments, "true", values);
    }

    private int fenced(JobLease held, String assignments, String condition, Map<String, ?> values) {
        var query =
                em.createNativeQuery(
                                "update fine_tuning_job set "
                                        + assignments
                                        + " where id = :id and lease_owner = :owner and attempts"
                                        + " = :attempt and status = 'running' and ("
                                        + condition
                                        + ")")
                        .setParameter("id", held.jobId())
                        .setParameter("owner", held.owner())
                        .setParameter("attempt", held.attempt());
        values.forEach(query::setParameter);
        return query.executeUpdate();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
