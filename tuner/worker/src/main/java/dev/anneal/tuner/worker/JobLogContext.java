package dev.anneal.tuner.worker;

import dev.anneal.store.LogFields;
import dev.anneal.store.job.JobLease;
import org.jboss.logging.MDC;

/**
 * The job a thread works for, in its logging context: {@code tenantId}, {@code jobId} and {@code
 * attempt}, printed on every line the thread logs until the context is closed. The worker slot
 * holds it while a claimed job runs, the lease thread while it renews that job's lease.
 *
 * <p>Not thread-safe: opened and closed on the same thread. Threads that the job starts inherit a
 * copy of the entries.
 */
final class JobLogContext implements AutoCloseable {

    private JobLogContext() {}

    /** Puts {@code lease}'s tenant, job and attempt in the calling thread's logging context. */
    static JobLogContext of(JobLease lease) {
        MDC.put(LogFields.TENANT_ID, lease.tenantId());
        MDC.put(LogFields.JOB_ID, lease.jobId());
        MDC.put(LogFields.ATTEMPT, String.valueOf(lease.attempt()));
        return new JobLogContext();
    }

    @Override
    public void close() {
        MDC.remove(LogFields.TENANT_ID);
        MDC.remove(LogFields.JOB_ID);
        MDC.remove(LogFields.ATTEMPT);
    }
}
