package dev.anneal.api.admin;

import dev.anneal.store.tenant.Tenant;

/** A tenant as the admin API shows it. */
public record TenantObject(String id, String object, String name, long createdAt) {

    static TenantObject of(Tenant tenant) {
        return new TenantObject(
                tenant.id(), "tenant", tenant.name(), tenant.createdAt().getEpochSecond());
    }
}
