package dev.anneal.store.tenant;

import io.quarkus.hibernate.orm.PersistenceUnitExtension;
import io.quarkus.hibernate.orm.runtime.tenant.TenantResolver;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * Tells Hibernate which tenant a session belongs to, so that every query on a tenant-owned entity
 * ({@code @TenantId}) is filtered by it and every insert is stamped with it. Without a bound tenant
 * the session sees no tenant-owned row at all.
 */
@PersistenceUnitExtension
@RequestScoped
class CurrentTenantResolver implements TenantResolver {

    /** Matches no tenant: ids of real tenants all start with {@code tenant-}. */
    static final String NO_TENANT = "no-tenant";

    private final CurrentTenant currentTenant;

    @Inject
    CurrentTenantResolver(CurrentTenant currentTenant) {
        this.currentTenant = currentTenant;
    }

    @Override
    public String getDefaultTenantId() {
        return NO_TENANT;
    }

    @Override
    public String resolveTenantId() {
        return currentTenant.id().orElse(NO_TENANT);
    }
}
