package dev.anneal.api.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.DeletedObject;
import dev.anneal.api.ListResponse;
import dev.anneal.api.apikey.ApiKeyObject;
import dev.anneal.api.apikey.CreateApiKeyRequest;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.api.usage.UsageObject;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.apikey.ApiKeyRepository;
import dev.anneal.store.quota.Quota;
import dev.anneal.store.quota.Quotas;
import dev.anneal.store.tenant.Tenant;
import dev.anneal.store.tenant.TenantErasure;
import dev.anneal.store.tenant.TenantKeyRing;
import dev.anneal.store.tenant.TenantRepository;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Administrator routes for tenants, their keys and quotas; only the administrator key passes. */
@AdminOnly
@Path("/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Administration")
public class TenantsResource {

    private final TenantRepository tenants;
    private final ApiKeyRepository apiKeys;
    private final Quotas quotas;
    private final ObjectMapper json;
    private final TenantErasure erasure;
    private final TenantKeyRing keyRing;

    @Inject
    TenantsResource(
            TenantRepository tenants,
            ApiKeyRepository apiKeys,
            Quotas quotas,
            ObjectMapper json,
            TenantErasure erasure,
            TenantKeyRing keyRing) {
        this.erasure = erasure;
        this.keyRing = keyRing;
        this.json = json;
        this.tenants = tenants;
        this.apiKeys = apiKeys;
        this.quotas = quotas;
    }

    @POST
    @Path("/tenants")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Create a tenant")
    @Audited(value = "tenant.create", tenant = Audited.TARGET)
    public TenantObject create(CreateTenantRequest request) {
        if (request == null) {
            throw new InvalidRequestException("A JSON body with 'name' is required.", "name");
        }
        return objectOf(tenants.create(request.name()));
    }

    @GET
    @Path("/tenants")
    @Operation(summary = "List tenants, oldest first")
    @Audited(value = "tenant.list", tenant = Audited.NONE)
    public ListResponse<TenantObject> list() {
        return ListResponse.of(
                tenants.list().stream().map(this::objectOf).toList(), false, TenantObject::id);
    }

    /** The answer to a data key rotation: how many keys the tenant has, the new one included. */
    public record DataKeyRotation(String object, String tenantId, int dataKeys) {}

    /**
     * Gives the tenant a new data key: everything written from now on is encrypted under it, and
     * what earlier keys encrypted stays readable (they are kept, wrapped by the master key).
     */
    @POST
    @Path("/tenants/{tenant_id}/rotate_data_key")
    @Operation(summary = "Rotate a tenant's data key")
    @Audited(value = "tenant.rotate_data_key", target = "tenant_id", tenant = "tenant_id")
    public DataKeyRotation rotateDataKey(@PathParam("tenant_id") String tenantId) {
        return new DataKeyRotation(
                "tenant.data_key_rotation", tenantId, keyRing.rotateDataKey(tenantId));
    }

    /**
     * Erases a suspended tenant for good: its data key first (what remains of its data anywhere,
     * backups included, can no longer be read), then its blobs, rows, work folders and keys. {@code
     * confirm} must repeat the tenant's name. An interrupted erasure is finished by asking again.
     */
    @DELETE
    @Path("/tenants/{tenant_id}")
    @Operation(summary = "Erase a suspended tenant and all its data")
    @Audited(value = "tenant.erase", target = "tenant_id", tenant = "tenant_id")
    public DeletedObject erase(
            @PathParam("tenant_id") String tenantId, @QueryParam("confirm") String confirm) {
        erasure.erase(tenantId, confirm);
        return DeletedObject.of(tenantId, "tenant");
    }

    @GET
    @Path("/tenants/{tenant_id}")
    @Operation(summary = "Retrieve a tenant")
    @Audited(value = "tenant.read", target = "tenant_id", tenant = "tenant_id")
    public TenantObject get(@PathParam("tenant_id") String tenantId) {
        return objectOf(tenants.get(tenantId));
    }

    @PATCH
    @Path("/tenants/{tenant_id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Set a tenant's quotas: {\"quotas\": {\"files\": 100, …}}; null goes back to"
                            + " the default, quotas left out keep theirs")
    @Audited(value = "tenant.update", target = "tenant_id", tenant = "tenant_id")
    public TenantObject update(@PathParam("tenant_id") String tenantId, JsonNode body) {
        Tenant tenant = tenants.get(tenantId);
        quotas.override(tenantId, quotaChanges(body));
        return objectOf(tenant);
    }

    @POST
    @Path("/tenants/{tenant_id}/suspend")
    @Operation(
            summary =
                    "Suspend a tenant: its keys answer 403, its queued jobs wait, its running jobs"
                            + " stop after their next checkpoint")
    @Audited(value = "tenant.suspend", target = "tenant_id", tenant = "tenant_id")
    public TenantObject suspend(@PathParam("tenant_id") String tenantId) {
        return objectOf(tenants.suspend(tenantId));
    }

    @POST
    @Path("/tenants/{tenant_id}/resume")
    @Operation(summary = "Resume a suspended tenant")
    @Audited(value = "tenant.resume", target = "tenant_id", tenant = "tenant_id")
    public TenantObject resume(@PathParam("tenant_id") String tenantId) {
        return objectOf(tenants.resume(tenantId));
    }

    @POST
    @Path("/tenants/{tenant_id}/api_keys")
    @ResponseStatus(201)
    @Operation(
            summary =
                    "Create an API key for a tenant (optional name, scopes, expires_at); its secret"
                            + " is shown only here")
    @Audited(value = "api_key.create", tenant = "tenant_id")
    public ApiKeyObject createKey(@PathParam("tenant_id") String tenantId, String request)
            throws JsonProcessingException {
        CreateApiKeyRequest body = CreateApiKeyRequest.parse(json, request);
        return ApiKeyObject.of(
                apiKeys.create(tenantId, body.name(), body.scopeSet(), body.expiry()));
    }

    @GET
    @Path("/tenants/{tenant_id}/api_keys")
    @Operation(summary = "List a tenant's keys, newest first; never their secrets")
    @Audited(value = "api_key.list", target = "tenant_id", tenant = "tenant_id")
    public ListResponse<ApiKeyObject> listKeys(@PathParam("tenant_id") String tenantId) {
        tenants.get(tenantId);
        return ListResponse.of(
                apiKeys.list(tenantId).stream().map(ApiKeyObject::of).toList(),
                false,
                ApiKeyObject::id);
    }

    @GET
    @Path("/tenants/{tenant_id}/usage")
    @Operation(summary = "Show a tenant's use against each of its quotas")
    @Audited(value = "usage.read", target = "tenant_id", tenant = "tenant_id")
    public UsageObject usage(@PathParam("tenant_id") String tenantId) {
        tenants.get(tenantId);
        return usageOf(tenantId);
    }

    @GET
    @Path("/usage")
    @Operation(summary = "Show every tenant's use against its quotas, oldest tenant first")
    @Audited(value = "usage.list", tenant = Audited.NONE)
    public ListResponse<UsageObject> usageOfAll() {
        return ListResponse.of(
                tenants.list().stream().map(t -> usageOf(t.id())).toList(),
                false,
                UsageObject::tenantId);
    }

    private UsageObject usageOf(String tenantId) {
        return UsageObject.of(tenantId, quotas.limitsOf(tenantId), quotas.usageOf(tenantId));
    }

    private TenantObject objectOf(Tenant tenant) {
        return TenantObject.of(tenant, quotas.limitsOf(tenant.id()));
    }

    /** The changes a PATCH body asks for, every one checked before any is made. */
    static Map<Quota, Long> quotaChanges(JsonNode body) {
        if (body == null || !body.isObject() || !body.path("quotas").isObject()) {
            throw new InvalidRequestException(
                    "The body must be {\"quotas\": {\"<quota>\": <limit or null>, …}}.", "quotas");
        }
        Iterator<String> fields = body.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            if (!field.equals("quotas")) {
                throw new InvalidRequestException(
                        "Unknown field '" + field + "': only 'quotas' can be changed.", field);
            }
        }
        Map<Quota, Long> changes = new EnumMap<>(Quota.class);
        Iterator<Map.Entry<String, JsonNode>> entries = body.get("quotas").fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            String param = "quotas." + entry.getKey();
            Quota quota =
                    Quota.fromWireName(entry.getKey())
                            .orElseThrow(
                                    () ->
                                            new InvalidRequestException(
                                                    "Unknown quota '"
                                                            + entry.getKey()
                                                            + "'; the quotas are stored_bytes,"
                                                            + " files, active_jobs,"
                                                            + " feedback_per_day,"
                                                            + " requests_per_second and"
                                                            + " api_keys.",
                                                    param));
            JsonNode value = entry.getValue();
            if (value.isNull()) {
                changes.put(quota, null);
                continue;
            }
            long minimum = quota == Quota.REQUESTS_PER_SECOND ? 1 : 0;
            if (!value.isIntegralNumber()
                    || !value.canConvertToLong()
                    || value.asLong() < minimum) {
                throw new InvalidRequestException(
                        "'"
                                + param
                                + "' must be a whole number of at least "
                                + minimum
                                + ", or null for the default.",
                        param);
            }
            changes.put(quota, value.asLong());
        }
        return changes;
    }
}
