package dev.anneal.api.admin;

import dev.anneal.store.quota.Quota;
import dev.anneal.store.quota.QuotaLimits;
import dev.anneal.store.tenant.Tenant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tenant as the admin API shows it.
 *
 * @param quotas the limit in force of each quota, by name
 * @param suspendedAt when it was suspended (Unix seconds), or null while it is active
 */
public record TenantObject(
        String id,
        String object,
        String name,
        long createdAt,
        Map<String, Long> quotas,
        Long suspendedAt) {

    static TenantObject of(Tenant tenant, QuotaLimits limits) {
        Map<String, Long> quotas = new LinkedHashMap<>();
        for (Quota quota : Quota.values()) {
            quotas.put(quota.wireName(), limits.of(quota));
        }
        return new TenantObject(
                tenant.id(),
                "tenant",
                tenant.name(),
                tenant.createdAt().getEpochSecond(),
                quotas,
                tenant.suspendedAt() == null ? null : tenant.suspendedAt().getEpochSecond());
    }
}
