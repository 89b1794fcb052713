package dev.anneal.api.model;

import dev.anneal.api.ListResponse;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.tuner.registry.BaseModelRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Administrators register base models: Hugging Face folders on the servers' file system. */
@AdminOnly
@Path("/v1/admin/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Administration")
public class BaseModelsAdminResource {

    /** The body of a registration: the model's id and its folder. */
    public record RegisterModelRequest(String id, String path) {}

    private final BaseModelRegistry registry;

    @Inject
    BaseModelsAdminResource(BaseModelRegistry registry) {
        this.registry = registry;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Register a base model folder (checked before it is listed)")
    @Audited(value = "base_model.register", tenant = Audited.NONE)
    public ModelObject register(RegisterModelRequest request) {
        return ModelObject.of(
                registry.register(
                        request == null ? null : request.id(),
                        request == null ? null : request.path()));
    }

    @GET
    @Operation(summary = "List the base models")
    @Audited(value = "base_model.list", tenant = Audited.NONE)
    public ListResponse<ModelObject> list() {
        return ListResponse.of(
                registry.list().stream().map(ModelObject::of).toList(), false, ModelObject::id);
    }
}
