package dev.anneal.api.apikey;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.DeletedObject;
import dev.anneal.api.ListResponse;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.store.apikey.ApiKeyRepository;
import dev.anneal.store.tenant.CurrentTenant;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/**
 * A tenant's own API keys: create (within its {@code api_keys} quota), list, revoke. Managing keys
 * takes a key with every scope; another tenant's key id answers 404.
 */
@TenantAccess(fullKey = true)
@Path("/v1/api_keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "API keys")
public class OwnApiKeysResource {

    private final ApiKeyRepository apiKeys;
    private final CurrentTenant currentTenant;
    private final ObjectMapper json;

    @Inject
    OwnApiKeysResource(ApiKeyRepository apiKeys, CurrentTenant currentTenant, ObjectMapper json) {
        this.json = json;
        this.apiKeys = apiKeys;
        this.currentTenant = currentTenant;
    }

    @POST
    @ResponseStatus(201)
    @Operation(
            summary =
                    "Create a key (optional JSON body: name, scopes, expires_at); its secret is"
                            + " shown only here")
    @Audited("api_key.create")
    public ApiKeyObject create(String request) throws JsonProcessingException {
        CreateApiKeyRequest body = CreateApiKeyRequest.parse(json, request);
        return ApiKeyObject.of(
                apiKeys.create(
                        currentTenant.require(), body.name(), body.scopeSet(), body.expiry()));
    }

    @GET
    @Operation(summary = "List the tenant's keys, newest first; never their secrets")
    public ListResponse<ApiKeyObject> list() {
        return ListResponse.of(
                apiKeys.list(currentTenant.require()).stream().map(ApiKeyObject::of).toList(),
                false,
                ApiKeyObject::id);
    }

    @DELETE
    @Path("/{api_key_id}")
    @Operation(summary = "Revoke a key at once; its open streams and downloads end within seconds")
    @Audited(value = "api_key.revoke", target = "api_key_id")
    public DeletedObject revoke(@PathParam("api_key_id") String id) {
        apiKeys.revoke(id, currentTenant.require());
        return DeletedObject.of(id, "api_key");
    }
}
