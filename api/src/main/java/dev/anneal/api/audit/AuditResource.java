package dev.anneal.api.audit;

import dev.anneal.api.ListResponse;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.store.audit.AuditLog;
import dev.anneal.store.tenant.CurrentTenant;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * A tenant's own audit log: what its keys did, and what administrators did to it. Reading it takes
 * a key with every scope, like managing keys.
 */
@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    private final AuditLog log;
    private final CurrentTenant tenant;

    @Inject
    AuditResource(AuditLog log, CurrentTenant tenant) {
        this.log = log;
        this.tenant = tenant;
    }

    @GET
    @TenantAccess(fullKey = true)
    public ListResponse<AuditEntryObject> list(@BeanParam AuditQuery query) {
        return query.page(log, tenant.require());
    }
}
