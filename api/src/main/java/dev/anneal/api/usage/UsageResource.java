package dev.anneal.api.usage;

import dev.anneal.api.auth.TenantAccess;
import dev.anneal.store.quota.Quotas;
import dev.anneal.store.tenant.CurrentTenant;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The calling tenant's use against its quotas. */
@TenantAccess
@Path("/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Usage")
public class UsageResource {

    private final Quotas quotas;
    private final CurrentTenant currentTenant;

    @Inject
    UsageResource(Quotas quotas, CurrentTenant currentTenant) {
        this.quotas = quotas;
        this.currentTenant = currentTenant;
    }

    @GET
    @Operation(summary = "Show the calling tenant's use against each of its quotas")
    public UsageObject get() {
        String tenantId = currentTenant.require();
        return UsageObject.of(tenantId, quotas.limitsOf(tenantId), quotas.usageOf(tenantId));
    }
}
