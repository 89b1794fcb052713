package dev.anneal.store.quota;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A tenant's quotas in force: its own where the administrator set them, the defaults elsewhere.
 *
 * @param limits every quota's limit
 * @param overridden the quotas the administrator set for this tenant
 */
public record QuotaLimits(Map<Quota, Long> limits, Set<Quota> overridden) {

    /** Copies the maps. */
    public QuotaLimits {
        limits = Map.copyOf(limits);
        overridden = Set.copyOf(overridden);
    }

    /** The limit of {@code quota}. */
    public long of(Quota quota) {
        return limits.get(quota);
    }

    /** The limits of a tenant with {@code overrides} (null values: none) over {@code defaults}. */
    static QuotaLimits of(QuotaDefaults defaults, Map<Quota, Long> overrides) {
        Map<Quota, Long> limits = new EnumMap<>(Quota.class);
        limits.put(Quota.STORED_BYTES, defaults.storedBytes().asLongValue());
        limits.put(Quota.FILES, defaults.files());
        limits.put(Quota.ACTIVE_JOBS, defaults.activeJobs());
        limits.put(Quota.FEEDBACK_PER_DAY, defaults.feedbackPerDay());
        limits.put(Quota.REQUESTS_PER_SECOND, defaults.requestsPerSecond());
        limits.put(Quota.API_KEYS, defaults.apiKeys());
        Set<Quota> overridden = EnumSet.noneOf(Quota.class);
        overrides.forEach(
                (quota, limit) -> {
                    if (limit != null) {
                        limits.put(quota, limit);
                        overridden.add(quota);
                    }
                });
        return new QuotaLimits(limits, overridden);
    }
}
