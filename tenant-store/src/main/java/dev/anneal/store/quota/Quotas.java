package dev.anneal.store.quota;

import dev.anneal.store.NotFoundException;
import dev.anneal.store.TransactionLocks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tenants' quotas: their limits (the administrator's overrides over {@link QuotaDefaults}), their
 * use, and the checks that refuse what would pass a limit. Checks that add to a count take the
 * tenant's lock for the rest of the caller's transaction, so concurrent requests cannot both take
 * the last unit.
 *
 * <p>Limits are read from the database at most every {@link #LIMITS_TTL} per tenant and process
 * (they are read on every request for the rate limit); an override takes effect at once in the
 * process that sets it, within that time elsewhere.
 */
@ApplicationScoped
public class Quotas {

    static final Duration LIMITS_TTL = Duration.ofSeconds(5);

    private static final String COLUMNS =
            "quota_stored_bytes, quota_files, quota_active_jobs, quota_feedback_per_day,"
                    + " quota_requests_per_second, quota_api_keys";

    private final EntityManager em;
    private final QuotaDefaults defaults;
    private final Map<String, Cached> limits = new ConcurrentHashMap<>();

    private record Cached(QuotaLimits limits, long readAt) {}

    @Inject
    Quotas(EntityManager em, QuotaDefaults defaults) {
        this.em = em;
        this.defaults = defaults;
    }

    /** The limits in force for {@code tenantId}. */
    @Transactional
    public QuotaLimits limitsOf(String tenantId) {
        Cached cached = limits.get(tenantId);
        if (cached != null && System.nanoTime() - cached.readAt < LIMITS_TTL.toNanos()) {
            return cached.limits;
        }
        QuotaLimits read = readLimits(tenantId);
        limits.put(tenantId, new Cached(read, System.nanoTime()));
        return read;
    }

    @Transactional
    QuotaLimits readLimits(String tenantId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows =
                em.createNativeQuery("select " + COLUMNS + " from tenant where id = :id")
                        .setParameter("id", tenantId)
                        .getResultList();
        if (rows.isEmpty()) {
            throw new NotFoundException("tenant", tenantId, "tenant_id");
        }
        Object[] row = rows.get(0);
        Map<Quota, Long> overrides = new EnumMap<>(Quota.class);
        Quota[] order = Quota.values();
        for (int i = 0; i < order.length; i++) {
            overrides.put(order[i], row[i] == null ? null : ((Number) row[i]).longValue());
        }
        return QuotaLimits.of(defaults, overrides);
    }

    /**
     * Sets some of a tenant's overrides; a null limit goes back to the default, quotas not in
     * {@code changes} keep theirs.
     *
     * @return the limits now in force
     */
    @Transactional
    public QuotaLimits override(String tenantId, Map<Quota, Long> changes) {
        readLimits(tenantId); // 404 for an unknown tenant
        for (Map.Entry<Quota, Long> change : changes.entrySet()) {
            em.createNativeQuery(
                            "update tenant set quota_"
                                    + change.getKey().wireName()
                                    + " = :limit where id = :id")
                    .setParameter("limit", change.getValue())
                    .setParameter("id", tenantId)
                    .executeUpdate();
        }
        limits.remove(tenantId);
        return limitsOf(tenantId);
    }

    /** What {@code tenantId} uses now. */
    @Transactional
    public TenantUsage usageOf(String tenantId) {
        Object[] row =
                (Object[])
                        em.createNativeQuery(
                                        "select (select coalesce(sum(bytes), 0) from stored_file"
                                                + " where tenant_id = :t) + (select"
                                                + " coalesce(sum(bytes), 0) from job_checkpoint where"
                                                + " tenant_id = :t) + (select coalesce(sum(bytes), 0)"
                                                + " from fine_tuned_model where tenant_id = :t),"
                                                + " (select count(*) from stored_file where tenant_id"
                                                + " = :t and purpose <> 'fine-tune-results'),"
                                                + " (select count(*) from fine_tuning_job where"
                                                + " tenant_id = :t and status in ('queued',"
                                                + " 'running')), (select coalesce(sum(records), 0)"
                                                + " from feedback_day where tenant_id = :t and day ="
                                                + " (now() at time zone 'utc')::date), (select"
                                                + " count(*) from api_key where tenant_id = :t and"
                                                + " revoked_at is null)")
                                .setParameter("t", tenantId)
                                .getSingleResult();
        return new TenantUsage(
                ((Number) row[0]).longValue(),
                ((Number) row[1]).longValue(),
                ((Number) row[2]).longValue(),
                ((Number) row[3]).longValue(),
                ((Number) row[4]).longValue());
    }

    /**
     * Refuses an upload of {@code bytes} (0 when unknown) that would pass the tenant's file count
     * or storage; takes the tenant's lock when called in a transaction that then records the file.
     *
     * @return the bytes the tenant may still store
     * @throws QuotaExceededException naming the quota
     */
    @Transactional
    public long requireRoomForFile(String tenantId, long bytes) {
        lock(tenantId);
        QuotaLimits limit = limitsOf(tenantId);
        TenantUsage usage = usageOf(tenantId);
        require(Quota.FILES, usage.files() + 1, limit, "Uploading another file");
        require(Quota.STORED_BYTES, usage.storedBytes() + bytes, limit, "Storing this file");
        return limit.of(Quota.STORED_BYTES) - usage.storedBytes();
    }

    /**
     * Refuses a new job when the tenant has its limit of active jobs, or no room left to store what
     * the job will make.
     *
     * @throws QuotaExceededException naming the quota
     */
    @Transactional
    public void requireRoomForJob(String tenantId) {
        lock(tenantId);
        QuotaLimits limit = limitsOf(tenantId);
        TenantUsage usage = usageOf(tenantId);
        require(Quota.ACTIVE_JOBS, usage.activeJobs() + 1, limit, "Creating another job");
        require(
                Quota.STORED_BYTES,
                usage.storedBytes() + 1,
                limit,
                "Creating a job (its checkpoints and model need room)");
    }

    /**
     * Refuses a new API key when the tenant holds its quota of keys.
     *
     * @throws QuotaExceededException naming the quota
     */
    @Transactional
    public void requireRoomForKey(String tenantId) {
        lock(tenantId);
        require(
                Quota.API_KEYS,
                usageOf(tenantId).apiKeys() + 1,
                limitsOf(tenantId),
                "Creating another API key");
    }

    /**
     * Counts {@code records} feedback records against today's quota, all or none.
     *
     * @throws QuotaExceededException if they do not all fit
     */
    @Transactional
    public void takeFeedback(String tenantId, long records) {
        long limit = limitsOf(tenantId).of(Quota.FEEDBACK_PER_DAY);
        @SuppressWarnings("unchecked")
        List<Object> counted =
                em.createNativeQuery(
                                "insert into feedback_day (tenant_id, day, records) select :t, (now()"
                                        + " at time zone 'utc')::date, :n where :n <= :max on"
                                        + " conflict (tenant_id, day) do update set records ="
                                        + " feedback_day.records + :n where feedback_day.records +"
                                        + " :n <= :max returning records")
                        .setParameter("t", tenantId)
                        .setParameter("n", records)
                        .setParameter("max", limit)
                        .getResultList();
        if (counted.isEmpty()) {
            long used = usageOf(tenantId).feedbackToday();
            throw new QuotaExceededException(
                    Quota.FEEDBACK_PER_DAY,
                    String.format(
                            Locale.ROOT,
                            "These %d feedback records would pass the tenant's feedback_per_day"
                                    + " quota of %d (UTC days): %d were accepted today. Nothing"
                                    + " was accepted.",
                            records,
                            limit,
                            used));
        }
    }

    /** Gives back records counted by {@link #takeFeedback} that were not accepted after all. */
    @Transactional
    public void returnFeedback(String tenantId, long records) {
        em.createNativeQuery(
                        "update feedback_day set records = greatest(0, records - :n) where"
                                + " tenant_id = :t and day = (now() at time zone 'utc')::date")
                .setParameter("t", tenantId)
                .setParameter("n", records)
                .executeUpdate();
    }

    private void lock(String tenantId) {
        TransactionLocks.lock(em, "quota:" + tenantId);
    }

    private static void require(Quota quota, long wouldUse, QuotaLimits limits, String what) {
        long limit = limits.of(quota);
        if (wouldUse > limit) {
            throw new QuotaExceededException(
                    quota,
                    String.format(
                            Locale.ROOT,
                            "%s would pass the tenant's %s quota of %s (it would use %s). Free"
                                    + " some, or ask the administrator for a larger quota.",
                            what,
                            quota.wireName(),
                            amount(quota, limit),
                            amount(quota, wouldUse)));
        }
    }

    /** The refusal of an upload that has passed the {@code room} its tenant had left. */
    public static QuotaExceededException storageLeftPassed(long room) {
        return new QuotaExceededException(
                Quota.STORED_BYTES,
                String.format(
                        Locale.ROOT,
                        "The upload passed the %s the tenant may still store under its"
                                + " stored_bytes quota; nothing was kept.",
                        amount(Quota.STORED_BYTES, room)));
    }

    private static String amount(Quota quota, long value) {
        return quota == Quota.STORED_BYTES
                ? String.format(Locale.ROOT, "%d (%.2f GiB)", value, value / (double) (1L << 30))
                : Long.toString(value);
    }
}
