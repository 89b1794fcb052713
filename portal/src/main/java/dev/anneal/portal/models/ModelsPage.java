package dev.anneal.portal.models;

import dev.anneal.api.auth.TenantAccess;
import dev.anneal.api.job.FineTuningJobsResource;
import dev.anneal.api.job.JobObject;
import dev.anneal.api.model.ModelObject;
import dev.anneal.api.model.ModelsResource;
import dev.anneal.portal.Pages;
import dev.anneal.portal.PortalPage;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.model.FineTunedModel;
import dev.anneal.store.model.ModelRepository;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateExtension;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Models: the base models and the tenant's fine-tuned models, each with its lineage (base model,
 * job, training file, method); downloads and deletes go to the API's routes.
 */
@PortalPage
@Path("/models")
@Produces(MediaType.TEXT_HTML)
@TenantAccess(Scope.MODELS)
public class ModelsPage {

    /** A fine-tuned model and the job that made it. */
    public record Lineage(ModelObject model, FineTunedModel stored, JobObject job) {}

    @CheckedTemplate(basePath = "models")
    static class Templates {
        static native TemplateInstance list(List<ModelObject> base, List<Lineage> tuned);
    }

    private final ModelsResource models;
    private final ModelRepository repository;
    private final FineTuningJobsResource jobs;

    @Inject
    ModelsPage(ModelsResource models, ModelRepository repository, FineTuningJobsResource jobs) {
        this.models = models;
        this.repository = repository;
        this.jobs = jobs;
    }

    @GET
    @Operation(hidden = true)
    public TemplateInstance list() {
        List<ModelObject> all = models.list().data();
        List<Lineage> tuned =
                repository.fineTunedModels().stream()
                        .map(m -> new Lineage(models.get(m.id()), m, jobs.get(m.jobId())))
                        .toList();
        return Templates.list(all.stream().filter(m -> "base".equals(m.kind())).toList(), tuned);
    }

    /** What the template shows of a model. */
    @TemplateExtension
    static class ModelViews {
        static String createdAt(ModelObject model) {
            return Pages.time(model.created());
        }

        static String size(FineTunedModel model) {
            return Pages.bytes(model.bytes());
        }
    }
}
