package dev.anneal.store.quota;

import java.util.Map;

/**
 * What a tenant uses of each quota now; requests per second are not counted here (each API process
 * keeps its own buckets).
 *
 * @param storedBytes bytes of its files, checkpoints and models
 * @param files files it uploaded
 * @param activeJobs jobs queued or running
 * @param feedbackToday feedback records accepted this UTC day
 * @param apiKeys keys not revoked
 */
public record TenantUsage(
        long storedBytes, long files, long activeJobs, long feedbackToday, long apiKeys) {

    /** The use of each counted quota. */
    public Map<Quota, Long> byQuota() {
        return Map.of(
                Quota.STORED_BYTES, storedBytes,
                Quota.FILES, files,
                Quota.ACTIVE_JOBS, activeJobs,
                Quota.FEEDBACK_PER_DAY, feedbackToday,
                Quota.API_KEYS, apiKeys);
    }
}
