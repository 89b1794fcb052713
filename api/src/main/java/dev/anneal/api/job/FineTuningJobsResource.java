package dev.anneal.api.job;

import dev.anneal.api.BlobDownloads;
import dev.anneal.api.ListResponse;
import dev.anneal.api.StreamPermits;
import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.CurrentKey;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.job.FineTuningJob;
import dev.anneal.store.job.JobCheckpoint;
import dev.anneal.store.job.JobEvent;
import dev.anneal.store.job.JobQueue;
import dev.anneal.store.job.JobRepository;
import dev.anneal.store.job.JobStatus;
import dev.anneal.store.model.FineTunedModel;
import dev.anneal.store.model.ModelRepository;
import dev.anneal.store.tenant.CurrentTenant;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * OpenAI's fine-tuning jobs API for the calling tenant. Every route first finds the job among the
 * caller's own, so another tenant's job id answers 404 like an unknown one.
 */
@TenantAccess(Scope.FINE_TUNING)
@Path("/v1/fine_tuning/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Fine-tuning")
public class FineTuningJobsResource {

    private final JobCreation creation;
    private final JobRepository jobs;
    private final JobQueue queue;
    private final ModelRepository models;
    private final BlobDownloads downloads;
    private final LiveJobEvents live;
    private final StreamPermits permits;
    private final CurrentTenant currentTenant;
    private final CurrentKey currentKey;

    @Inject
    FineTuningJobsResource(
            JobCreation creation,
            JobRepository jobs,
            JobQueue queue,
            ModelRepository models,
            BlobDownloads downloads,
            LiveJobEvents live,
            StreamPermits permits,
            CurrentTenant currentTenant,
            CurrentKey currentKey) {
        this.currentKey = currentKey;
        this.permits = permits;
        this.currentTenant = currentTenant;
        this.creation = creation;
        this.jobs = jobs;
        this.queue = queue;
        this.models = models;
        this.downloads = downloads;
        this.live = live;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a fine-tuning job; it is queued at once")
    @Audited("job.create")
    @Transactional // one transaction from the file's lookup to the job's place in the queue
    public JobObject create(CreateJobRequest request) {
        if (request == null) {
            throw new InvalidRequestException("A JSON body is required.", null);
        }
        return view(creation.create(request));
    }

    @GET
    @Operation(summary = "List the caller's jobs, newest first")
    public ListResponse<JobObject> list(
            @QueryParam("after") String after, @QueryParam("limit") @DefaultValue("20") int limit) {
        Page<FineTuningJob> page = jobs.list(new PageRequest(after, limit, true));
        Map<String, Long> positions =
                queue.positions(
                        page.data().stream()
                                .filter(job -> job.status() == JobStatus.QUEUED)
                                .map(FineTuningJob::id)
                                .toList());
        return ListResponse.of(
                page.data().stream()
                        .map(job -> JobObject.of(job, positions.get(job.id())))
                        .toList(),
                page.hasMore(),
                JobObject::id);
    }

    @GET
    @Path("/{fine_tuning_job_id}")
    @Operation(summary = "Retrieve a job")
    public JobObject get(@PathParam("fine_tuning_job_id") String id) {
        return view(jobs.get(id));
    }

    @POST
    @Path("/{fine_tuning_job_id}/cancel")
    @Operation(summary = "Cancel a job: a queued one at once, a running one within seconds")
    @Audited(value = "job.cancel", target = "fine_tuning_job_id")
    public JobObject cancel(@PathParam("fine_tuning_job_id") String id) {
        return view(jobs.cancel(id));
    }

    @GET
    @Path("/{fine_tuning_job_id}/events")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "List a job's events, newest first; with stream=true, follow them live as"
                            + " server-sent events (oldest first) until the job ends")
    public ListResponse<JobEventObject> events(
            @PathParam("fine_tuning_job_id") String id,
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("20") int limit,
            @QueryParam("stream") @DefaultValue("false") boolean stream) {
        Page<JobEvent> page = jobs.events(id, new PageRequest(after, limit, true));
        return ListResponse.of(
                page.data().stream().map(JobEventObject::of).toList(),
                page.hasMore(),
                JobEventObject::id);
    }

    /**
     * The live stream ({@code stream=true}, which {@link dev.anneal.api.StreamingRoutes} turns into
     * this route): everything after {@code after} from the store, then each event as it happens, in
     * order, without gaps or duplicates; ends with {@code data: [DONE]} once the job has ended and
     * its last event was sent. Holds no thread while it waits ({@link LiveJobEvents}).
     */
    @GET
    @Path("/{fine_tuning_job_id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @Operation(hidden = true)
    public Multi<OutboundSseEvent> followEvents(
            @PathParam("fine_tuning_job_id") String id,
            @QueryParam("after") String after,
            @Context Sse sse) {
        // the permit first: a tenant past its streams costs no query
        String tenantId = currentTenant.require();
        StreamPermits.Permit permit = permits.acquire(tenantId);
        try {
            jobs.get(id); // 404 for another tenant's job
            int afterSeq = after == null ? 0 : jobs.eventSeq(id, after);
            return RestMulti.fromMultiData(
                            live.follow(
                                    tenantId, currentKey.id(), id, afterSeq, sse, permit::close))
                    .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .header("X-Accel-Buffering", "no")
                    .build();
        } catch (RuntimeException e) {
            permit.close();
            throw e;
        }
    }

    @GET
    @Path("/{fine_tuning_job_id}/checkpoints")
    @Operation(summary = "List a job's checkpoints, newest first")
    public ListResponse<CheckpointObject> checkpoints(
            @PathParam("fine_tuning_job_id") String id,
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("10") int limit) {
        FineTuningJob job = jobs.get(id);
        Page<JobCheckpoint> page = jobs.checkpoints(id, new PageRequest(after, limit, true));
        return ListResponse.of(
                page.data().stream().map(c -> CheckpointObject.of(job, c)).toList(),
                page.hasMore(),
                CheckpointObject::id);
    }

    @GET
    @Path("/{fine_tuning_job_id}/checkpoints/{checkpoint_id}/content")
    @Produces("application/zip")
    @Operation(summary = "Download a checkpoint as a zip archive")
    @Audited(value = "checkpoint.download", target = "checkpoint_id")
    public Response checkpointContent(
            @PathParam("fine_tuning_job_id") String id,
            @PathParam("checkpoint_id") String checkpointId) {
        JobCheckpoint checkpoint = jobs.checkpoint(id, checkpointId, "checkpoint_id");
        return downloads.zip(
                jobs.get(id).tenantId(),
                checkpoint.id(),
                checkpoint.bytes(),
                id + "-checkpoint-" + checkpoint.step() + ".zip");
    }

    @GET
    @Path("/{fine_tuning_job_id}/content")
    @Produces("application/zip")
    @Operation(
            summary =
                    "Download the job's fine-tuned model as a zip archive: a PEFT adapter"
                            + " (adapter/) or Hugging Face weights (model/)")
    @Audited(value = "model.download", target = "fine_tuning_job_id")
    public Response modelContent(@PathParam("fine_tuning_job_id") String id) {
        FineTuningJob job = jobs.get(id);
        FineTunedModel model =
                models.fineTunedByJob(job.id())
                        .orElseThrow(
                                () ->
                                        new NotFoundException(
                                                "fine-tuned model of job",
                                                id,
                                                "fine_tuning_job_id"));
        return downloads.zip(
                job.tenantId(),
                model.blobName(),
                model.bytes(),
                id + "-" + model.kind().wireName() + ".zip");
    }

    private JobObject view(FineTuningJob job) {
        Long position =
                job.status() == JobStatus.QUEUED ? queue.position(job.id()).orElse(null) : null;
        return JobObject.of(job, position);
    }
}
