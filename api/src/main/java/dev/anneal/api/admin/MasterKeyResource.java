package dev.anneal.api.admin;

import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.store.tenant.MasterKeyRotation;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Master key rotation: configure the new key as {@code ANNEAL_MASTER_KEY} and the old one in {@code
 * ANNEAL_PREVIOUS_MASTER_KEYS}, restart, then rotate; once every data key is wrapped by the current
 * key (the status says so), remove the old key from the configuration.
 */
@AdminOnly
@Path("/v1/admin/master_key")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Administration")
public class MasterKeyResource {

    private final MasterKeyRotation rotation;

    @Inject
    MasterKeyResource(MasterKeyRotation rotation) {
        this.rotation = rotation;
    }

    @GET
    @Operation(summary = "Which master keys wrap the stored data keys")
    @Audited(value = "master_key.read", tenant = Audited.NONE)
    public MasterKeyRotation.Status status() {
        return rotation.status();
    }

    @POST
    @Path("/rotate")
    @Operation(summary = "Re-wrap every data key under the current master key")
    @Audited(value = "master_key.rotate", tenant = Audited.NONE)
    public MasterKeyRotation.Result rotate() {
        return rotation.rotate();
    }
}
