package dev.anneal.store.job;

/**
 * A worker's claim on a job: valid while the worker renews it in time. {@code owner} and {@code
 * attempt} together fence every write of the worker, so a worker whose lease was taken over can no
 * longer change the job.
 *
 * @param jobId the job
 * @param tenantId its tenant
 * @param owner the worker slot holding it
 * @param attempt the claim's number; above 1 means the job was taken over
 */
public record JobLease(String jobId, String tenantId, String owner, int attempt) {

    /** Whether an earlier claim of the job ended without finishing it. */
    public boolean isTakeover() {
        return attempt > 1;
    }
}
