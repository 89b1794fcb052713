package dev.anneal.portal.jobs;

import dev.anneal.api.ListResponse;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.api.file.FileObject;
import dev.anneal.api.file.FilesResource;
import dev.anneal.api.job.CheckpointObject;
import dev.anneal.api.job.FineTuningJobsResource;
import dev.anneal.api.job.JobObject;
import dev.anneal.api.model.ModelObject;
import dev.anneal.api.model.ModelsResource;
import dev.anneal.portal.Pages;
import dev.anneal.portal.PortalPage;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.job.JobDefaults;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateExtension;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Fine-tuning: the tenant's jobs (the list refreshes itself), the form that creates one (sent by
 * the page's script to {@code POST /v1/fine_tuning/jobs}, whose errors it shows beside the field at
 * fault), and a job's page, whose chart and log follow the job's own event stream.
 */
@PortalPage
@Path("/jobs")
@Produces(MediaType.TEXT_HTML)
@TenantAccess(Scope.FINE_TUNING)
public class JobsPage {

    @CheckedTemplate(basePath = "jobs")
    static class Templates {
        static native TemplateInstance list(ListResponse<JobObject> jobs, String after);

        static native TemplateInstance list$rows(ListResponse<JobObject> jobs, String after);

        static native TemplateInstance create(
                List<ModelObject> models, List<FileObject> files, Form form, Defaults defaults);

        static native TemplateInstance job(
                JobObject job, ListResponse<CheckpointObject> checkpoints);
    }

    /**
     * What the form starts with, from the query (a dataset's "Fine-tune on this dataset", the
     * feedback page's "Train with DPO").
     */
    public record Form(String model, String trainingFile, String method) {}

    /** The defaults the API applies, shown as the fields' placeholders. */
    public record Defaults(
            int nEpochs,
            int batchSize,
            double learningRateMultiplier,
            double beta,
            int loraRank,
            double loraAlpha,
            double loraDropout,
            int maxSeqLength) {

        static final Defaults API =
                new Defaults(
                        JobDefaults.N_EPOCHS,
                        JobDefaults.BATCH_SIZE,
                        JobDefaults.LEARNING_RATE_MULTIPLIER,
                        JobDefaults.DPO_BETA,
                        JobDefaults.LORA_RANK,
                        JobDefaults.loraAlpha(JobDefaults.LORA_RANK),
                        JobDefaults.LORA_DROPOUT,
                        JobDefaults.MAX_SEQ_LENGTH);
    }

    private final FineTuningJobsResource jobs;
    private final ModelsResource models;
    private final FilesResource files;

    @Inject
    JobsPage(FineTuningJobsResource jobs, ModelsResource models, FilesResource files) {
        this.jobs = jobs;
        this.models = models;
        this.files = files;
    }

    @GET
    @Operation(hidden = true)
    public TemplateInstance list(@QueryParam("after") String after) {
        return Templates.list(jobs.list(after, Pages.PAGE_SIZE), after);
    }

    /** The list's rows alone, which the list page fetches every few seconds. */
    @GET
    @Path("/rows")
    @Operation(hidden = true)
    public TemplateInstance rows(@QueryParam("after") String after) {
        return Templates.list$rows(jobs.list(after, Pages.PAGE_SIZE), after);
    }

    @GET
    @Path("/new")
    @Operation(hidden = true)
    public TemplateInstance create(
            @QueryParam("model") String model,
            @QueryParam("training_file") String trainingFile,
            @QueryParam("method") String method) {
        List<FileObject> ready =
                files.list(null, null, 100, null).data().stream()
                        .filter(f -> "processed".equals(f.status()))
                        .toList();
        return Templates.create(
                models.list().data(),
                ready,
                new Form(model, trainingFile, method == null ? "supervised" : method),
                Defaults.API);
    }

    @GET
    @Path("/{fine_tuning_job_id}")
    @Operation(hidden = true)
    public TemplateInstance job(@PathParam("fine_tuning_job_id") String id) {
        JobObject job = jobs.get(id);
        return Templates.job(job, jobs.checkpoints(id, null, 20));
    }

    /** What the templates show of a job. */
    @TemplateExtension
    static class JobViews {
        static String created(JobObject job) {
            return Pages.time(job.createdAt());
        }

        static String finished(JobObject job) {
            return Pages.time(job.finishedAt());
        }

        static boolean live(JobObject job) {
            return List.of("validating_files", "queued", "running").contains(job.status());
        }

        static String methodName(JobObject job) {
            Object type = job.method() == null ? null : job.method().get("type");
            return type == null ? "supervised" : type.toString();
        }

        static String hyper(JobObject job) {
            Map<String, Object> h = job.hyperparameters();
            return h == null ? "" : h.toString().replaceAll("[{}]", "");
        }

        static String created(CheckpointObject checkpoint) {
            return Pages.time(checkpoint.createdAt());
        }

        static String size(CheckpointObject checkpoint) {
            return Pages.bytes(checkpoint.bytes());
        }
    }
}
