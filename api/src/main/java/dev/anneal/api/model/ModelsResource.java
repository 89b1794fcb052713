package dev.anneal.api.model;

import dev.anneal.api.BlobDownloads;
import dev.anneal.api.DeletedObject;
import dev.anneal.api.ListResponse;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.model.FineTunedModel;
import dev.anneal.store.model.ModelRepository;
import dev.anneal.tuner.registry.BaseModelRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * OpenAI's models API for the calling tenant: the base models and the tenant's own fine-tuned
 * models, never another tenant's.
 */
@TenantAccess(Scope.MODELS)
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Models")
public class ModelsResource {

    private static final Logger LOG = Logger.getLogger(ModelsResource.class);

    private final BaseModelRegistry baseModels;
    private final ModelRepository models;
    private final BlobStore blobs;
    private final BlobDownloads downloads;

    @Inject
    ModelsResource(
            BaseModelRegistry baseModels,
            ModelRepository models,
            BlobStore blobs,
            BlobDownloads downloads) {
        this.baseModels = baseModels;
        this.models = models;
        this.blobs = blobs;
        this.downloads = downloads;
    }

    @GET
    @Operation(summary = "List the base models and the caller's fine-tuned models")
    public ListResponse<ModelObject> list() {
        List<ModelObject> all = new ArrayList<>();
        baseModels.list().forEach(m -> all.add(ModelObject.of(m)));
        models.fineTunedModels().forEach(m -> all.add(ModelObject.of(m)));
        return ListResponse.of(all, false, ModelObject::id);
    }

    @GET
    @Path("/{model}")
    @Operation(summary = "Retrieve a model")
    public ModelObject get(@PathParam("model") String id) {
        return baseModels
                .find(id)
                .map(ModelObject::of)
                .orElseGet(() -> ModelObject.of(models.getFineTuned(id, "model")));
    }

    @GET
    @Path("/{model}/content")
    @Produces("application/zip")
    @Operation(summary = "Download a fine-tuned model as a zip archive")
    @Audited(value = "model.download", target = "model")
    public Response content(@PathParam("model") String id) {
        FineTunedModel model = models.getFineTuned(id, "model");
        return downloads.zip(
                model.tenantId(),
                model.blobName(),
                model.bytes(),
                model.jobId() + "-" + model.kind().wireName() + ".zip");
    }

    @DELETE
    @Path("/{model}")
    @Operation(summary = "Delete one of the caller's fine-tuned models and its weights")
    @Audited(value = "model.delete", target = "model")
    public DeletedObject delete(@PathParam("model") String id) {
        if (baseModels.find(id).isPresent()) {
            throw new InvalidRequestException(
                    "'" + id + "' is a base model; only fine-tuned models can be deleted here.",
                    "model");
        }
        FineTunedModel model = models.deleteFineTuned(id);
        try {
            blobs.delete(new BlobKey(model.tenantId(), model.blobName()));
        } catch (IOException e) {
            LOG.errorf(e, "Could not delete the weights of model %s", id);
        }
        return DeletedObject.of(id, "model");
    }
}
