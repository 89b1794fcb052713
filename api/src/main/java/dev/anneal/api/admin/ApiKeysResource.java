package dev.anneal.api.admin;

import dev.anneal.api.DeletedObject;
import dev.anneal.api.audit.AuditSubject;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.store.apikey.ApiKeyRepository;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Administrator route that revokes a key. */
@AdminOnly
@Path("/v1/admin/api_keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Administration")
public class ApiKeysResource {

    private final ApiKeyRepository apiKeys;
    private final AuditSubject audit;

    @Inject
    ApiKeysResource(ApiKeyRepository apiKeys, AuditSubject audit) {
        this.apiKeys = apiKeys;
        this.audit = audit;
    }

    @DELETE
    @Path("/{api_key_id}")
    @Operation(summary = "Revoke an API key at once")
    @Audited(value = "api_key.revoke", target = "api_key_id", tenant = Audited.RESOLVED)
    public DeletedObject revoke(@PathParam("api_key_id") String id) {
        audit.tenant(apiKeys.revoke(id));
        return DeletedObject.of(id, "api_key");
    }
}
