package dev.anneal.api.usage;

import dev.anneal.store.quota.Quota;
import dev.anneal.store.quota.QuotaLimits;
import dev.anneal.store.quota.TenantUsage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tenant's use against each of its quotas, keyed by the quota's name ({@code stored_bytes},
 * {@code files}, {@code active_jobs}, {@code feedback_per_day}, {@code requests_per_second}).
 */
public record UsageObject(String object, String tenantId, Map<String, QuotaObject> quotas) {

    /** The usage object of {@code tenantId}. */
    public static UsageObject of(String tenantId, QuotaLimits limits, TenantUsage usage) {
        Map<String, QuotaObject> quotas = new LinkedHashMap<>();
        Map<Quota, Long> used = usage.byQuota();
        for (Quota quota : Quota.values()) {
            quotas.put(
                    quota.wireName(),
                    new QuotaObject(
                            limits.of(quota),
                            used.get(quota),
                            !limits.overridden().contains(quota)));
        }
        return new UsageObject("usage", tenantId, quotas);
    }
}
