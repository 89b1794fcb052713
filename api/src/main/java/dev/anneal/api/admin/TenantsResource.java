package dev.anneal.api.admin;

import dev.anneal.api.ListResponse;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.apikey.ApiKeyRepository;
import dev.anneal.store.tenant.TenantRepository;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Administrator routes for tenants and their keys; only the administrator key passes. */
@Path("/v1/admin/tenants")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Administration")
public class TenantsResource {

    private final TenantRepository tenants;
    private final ApiKeyRepository apiKeys;

    @Inject
    TenantsResource(TenantRepository tenants, ApiKeyRepository apiKeys) {
        this.tenants = tenants;
        this.apiKeys = apiKeys;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Create a tenant")
    public TenantObject create(CreateTenantRequest request) {
        if (request == null) {
            throw new InvalidRequestException("A JSON body with 'name' is required.", "name");
        }
        return TenantObject.of(tenants.create(request.name()));
    }

    @GET
    @Operation(summary = "List tenants, oldest first")
    public ListResponse<TenantObject> list() {
        return ListResponse.of(
                tenants.list().stream().map(TenantObject::of).toList(), false, TenantObject::id);
    }

    @GET
    @Path("/{tenant_id}")
    @Operation(summary = "Retrieve a tenant")
    public TenantObject get(@PathParam("tenant_id") String tenantId) {
        return TenantObject.of(tenants.get(tenantId));
    }

    @POST
    @Path("/{tenant_id}/api_keys")
    @ResponseStatus(201)
    @Operation(summary = "Create an API key for a tenant; its secret is shown only here")
    public ApiKeyObject createKey(@PathParam("tenant_id") String tenantId) {
        return ApiKeyObject.of(apiKeys.create(tenantId));
    }
}
