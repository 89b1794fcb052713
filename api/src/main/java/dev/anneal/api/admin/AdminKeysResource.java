package dev.anneal.api.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.anneal.api.DeletedObject;
import dev.anneal.api.ListResponse;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.store.apikey.AdministratorKeys;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
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

/** Named administrator keys: one per person or system, revoked one by one. */
@AdminOnly
@Path("/v1/admin/admin_keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Administration")
public class AdminKeysResource {

    /** Body of a creation. */
    public record CreateRequest(String name) {}

    /** An administrator key as the API shows it; {@code key} only when it was just created. */
    public record AdminKeyObject(
            String id,
            String object,
            String name,
            @JsonInclude(JsonInclude.Include.NON_NULL) String key,
            String prefix,
            long createdAt) {

        static AdminKeyObject of(AdministratorKeys.Key key, String secret) {
            return new AdminKeyObject(
                    key.id(),
                    "admin_key",
                    key.name(),
                    secret,
                    key.hint(),
                    key.createdAt().getEpochSecond());
        }
    }

    private final AdministratorKeys keys;

    @Inject
    AdminKeysResource(AdministratorKeys keys) {
        this.keys = keys;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Create a named administrator key; its secret is shown only here")
    @Audited(value = "admin_key.create", tenant = Audited.NONE)
    public AdminKeyObject create(CreateRequest request) {
        AdministratorKeys.Created created = keys.create(request == null ? null : request.name());
        return AdminKeyObject.of(created.key(), created.secret());
    }

    @GET
    @Operation(summary = "List the administrator keys, newest first; never their secrets")
    @Audited(value = "admin_key.list", tenant = Audited.NONE)
    public ListResponse<AdminKeyObject> list() {
        return ListResponse.of(
                keys.list().stream().map(k -> AdminKeyObject.of(k, null)).toList(),
                false,
                AdminKeyObject::id);
    }

    @DELETE
    @Path("/{admin_key_id}")
    @Operation(summary = "Revoke an administrator key at once")
    @Audited(value = "admin_key.revoke", target = "admin_key_id", tenant = Audited.NONE)
    public DeletedObject revoke(@PathParam("admin_key_id") String id) {
        keys.revoke(id);
        return DeletedObject.of(id, "admin_key");
    }
}
