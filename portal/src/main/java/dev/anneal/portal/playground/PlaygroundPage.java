package dev.anneal.portal.playground;

import dev.anneal.api.auth.TenantAccess;
import dev.anneal.api.model.ModelObject;
import dev.anneal.api.model.ModelsResource;
import dev.anneal.portal.PortalPage;
import dev.anneal.store.apikey.Scope;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The playground: chat with a model the tenant may use, or compare two side by side and judge them.
 * The page's script streams from {@code POST /v1/chat/completions} and sends each judgement to
 * {@code POST /v1/feedback}, where the signed-in person becomes its annotator.
 */
@PortalPage
@Path("/playground")
@Produces(MediaType.TEXT_HTML)
@TenantAccess(Scope.INFERENCE)
public class PlaygroundPage {

    @CheckedTemplate(basePath = "playground")
    static class Templates {
        static native TemplateInstance page(List<ModelObject> models, String model, String compare);
    }

    private final ModelsResource models;

    @Inject
    PlaygroundPage(ModelsResource models) {
        this.models = models;
    }

    @GET
    @Operation(hidden = true)
    public TemplateInstance page(
            @QueryParam("model") String model, @QueryParam("compare") String compare) {
        List<ModelObject> all = models.list().data();
        if (model != null) {
            models.get(model); // another tenant's model reads as a missing one
        }
        if (compare != null && !compare.isBlank()) {
            models.get(compare);
        }
        return Templates.page(all, model, compare);
    }
}
