package dev.anneal.store.tenant;

import jakarta.enterprise.context.RequestScoped;
import java.util.Optional;

/**
 * The tenant on whose behalf the current request or unit of work runs. Set once, by the
 * authentication at the edge (or by a worker that takes up a tenant's job); read by the persistence
 * layer, which scopes every query to it.
 */
@RequestScoped
public class CurrentTenant {

    private String tenantId;

    /** Binds the unit of work to a tenant; a second, different binding is a programming error. */
    public void set(String tenantId) {
        if (this.tenantId != null && !this.tenantId.equals(tenantId)) {
            throw new IllegalStateException("The unit of work is bound to another tenant already");
        }
        this.tenantId = tenantId;
    }

    public Optional<String> id() {
        return Optional.ofNullable(tenantId);
    }

    /** The tenant id; fails when no tenant is bound, which would be a programming error. */
    public String require() {
        if (tenantId == null) {
            throw new IllegalStateException("No tenant is bound to this unit of work");
        }
        return tenantId;
    }
}
