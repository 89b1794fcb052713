package dev.anneal.portal.admin;

import dev.anneal.api.ListResponse;
import dev.anneal.api.admin.SystemResource;
import dev.anneal.api.admin.TenantObject;
import dev.anneal.api.admin.TenantsResource;
import dev.anneal.api.apikey.ApiKeyObject;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.api.model.BaseModelsAdminResource;
import dev.anneal.api.model.ModelObject;
import dev.anneal.api.usage.UsageObject;
import dev.anneal.portal.Pages;
import dev.anneal.portal.PortalPage;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateExtension;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The administrator console: tenants (created, suspended and resumed, their quotas set, through the
 * administrator API's routes), each tenant's keys and use of its quotas, the base models
 * (registered from a folder), and the system (the job queue, the models in memory). For
 * administrators only.
 */
@PortalPage
@Path("/admin")
@Produces(MediaType.TEXT_HTML)
@AdminOnly
public class AdminConsole {

    @CheckedTemplate(basePath = "admin")
    static class Templates {
        static native TemplateInstance tenants(ListResponse<TenantObject> tenants);

        static native TemplateInstance tenant(
                TenantObject tenant, ListResponse<ApiKeyObject> keys, UsageObject usage);

        static native TemplateInstance models(ListResponse<ModelObject> models);

        static native TemplateInstance system(SystemResource.SystemObject system);
    }

    private final TenantsResource tenants;
    private final BaseModelsAdminResource baseModels;
    private final SystemResource system;

    @Inject
    AdminConsole(
            TenantsResource tenants, BaseModelsAdminResource baseModels, SystemResource system) {
        this.tenants = tenants;
        this.baseModels = baseModels;
        this.system = system;
    }

    @GET
    @Path("/models")
    @Operation(hidden = true)
    @Audited(value = "base_model.list", tenant = Audited.NONE)
    public TemplateInstance models() {
        return Templates.models(baseModels.list());
    }

    @GET
    @Path("/system")
    @Operation(hidden = true)
    @Audited(value = "system.read", tenant = Audited.NONE)
    public TemplateInstance system() {
        return Templates.system(system.get());
    }

    @GET
    @Operation(hidden = true)
    @Audited(value = "tenant.list", tenant = Audited.NONE)
    public TemplateInstance tenants() {
        return Templates.tenants(tenants.list());
    }

    @GET
    @Path("/tenants/{tenant_id}")
    @Operation(hidden = true)
    @Audited(value = "tenant.read", target = "tenant_id", tenant = "tenant_id")
    public TemplateInstance tenant(@PathParam("tenant_id") String id) {
        return Templates.tenant(tenants.get(id), tenants.listKeys(id), tenants.usage(id));
    }

    /** What the templates show of tenants and keys. */
    @TemplateExtension
    static class AdminViews {
        static String created(TenantObject tenant) {
            return Pages.time(tenant.createdAt());
        }

        static String created(ApiKeyObject key) {
            return Pages.time(key.createdAt());
        }

        static String lastUsed(ApiKeyObject key) {
            return key.lastUsedAt() == null ? "never" : Pages.time(key.lastUsedAt());
        }
    }
}
