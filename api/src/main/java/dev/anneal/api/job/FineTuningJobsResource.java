package dev.anneal.api.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.BlobDownloads;
import dev.anneal.api.ListResponse;
import dev.anneal.api.StreamPermits;
import dev.anneal.events.JobEventRecord;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.job.FineTuningJob;
import dev.anneal.store.job.JobCheckpoint;
import dev.anneal.store.job.JobEvent;
import dev.anneal.store.job.JobQueue;
import dev.anneal.store.job.JobRepository;
import dev.anneal.store.job.JobStatus;
import dev.anneal.store.model.FineTunedModel;
import dev.anneal.store.model.ModelRepository;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * OpenAI's fine-tuning jobs API for the calling tenant. Every route first finds the job among the
 * caller's own, so another tenant's job id answers 404 like an unknown one.
 */
@Path("/v1/fine_tuning/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Fine-tuning")
public class FineTuningJobsResource {

    /** How long a stream waits for a live event before it looks at the store itself. */
    private static final long POLL_MS = 1000;

    private static final long KEEP_ALIVE_MS = 15_000;
    private static final int CATCH_UP_BATCH = 500;

    private final JobCreation creation;
    private final JobRepository jobs;
    private final JobQueue queue;
    private final ModelRepository models;
    private final BlobDownloads downloads;
    private final LiveJobEvents live;
    private final ObjectMapper json;
    private final StreamPermits permits;

    @Inject
    FineTuningJobsResource(
            JobCreation creation,
            JobRepository jobs,
            JobQueue queue,
            ModelRepository models,
            BlobDownloads downloads,
            LiveJobEvents live,
            ObjectMapper json,
            StreamPermits permits) {
        this.permits = permits;
        this.creation = creation;
        this.jobs = jobs;
        this.queue = queue;
        this.models = models;
        this.downloads = downloads;
        this.live = live;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a fine-tuning job; it is queued at once")
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
        return ListResponse.of(
                page.data().stream().map(this::view).toList(), page.hasMore(), JobObject::id);
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
    public JobObject cancel(@PathParam("fine_tuning_job_id") String id) {
        return view(jobs.cancel(id));
    }

    @GET
    @Path("/{fine_tuning_job_id}/events")
    @Produces({MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS})
    @Operation(
            summary =
                    "List a job's events, newest first; with stream=true, follow them live as"
                            + " server-sent events (oldest first) until the job ends")
    public Response events(
            @PathParam("fine_tuning_job_id") String id,
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("20") int limit,
            @QueryParam("stream") @DefaultValue("false") boolean stream) {
        if (stream) {
            FineTuningJob job = jobs.get(id);
            int afterSeq = after == null ? 0 : jobs.eventSeq(id, after);
            StreamPermits.Permit permit = permits.acquire(job.tenantId());
            return Response.ok(
                            StreamPermits.holding(permit, streamEvents(id, afterSeq)),
                            MediaType.SERVER_SENT_EVENTS)
                    .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .header("X-Accel-Buffering", "no")
                    .build();
        }
        Page<JobEvent> page = jobs.events(id, new PageRequest(after, limit, true));
        return Response.ok(
                        ListResponse.of(
                                page.data().stream().map(JobEventObject::of).toList(),
                                page.hasMore(),
                                JobEventObject::id),
                        MediaType.APPLICATION_JSON)
                .build();
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

    /**
     * The live stream: everything after {@code afterSeq} from the store, then each event as it
     * arrives (from Kafka, or from the store when the live feed skipped or lagged), in order,
     * without gaps or duplicates; ends with {@code data: [DONE]} once the job has ended and its
     * last event was sent.
     */
    private StreamingOutput streamEvents(String jobId, int afterSeq) {
        return out -> {
            try (LiveJobEvents.Subscription subscription = live.subscribe(jobId)) {
                int last = afterSeq;
                long lastWrite = System.currentTimeMillis();
                while (true) {
                    boolean ended = jobs.get(jobId).status().isFinal();
                    int before = last;
                    last = catchUp(jobId, last, out);
                    if (last != before) {
                        lastWrite = System.currentTimeMillis();
                    }
                    if (ended && last == before) {
                        write(out, "data: [DONE]\n\n");
                        return;
                    }
                    JobEventRecord next = subscription.poll(POLL_MS);
                    while (next != null) {
                        if (next.seq() == last + 1) {
                            send(out, JobEventObject.of(next));
                            last = next.seq();
                            lastWrite = System.currentTimeMillis();
                        } else if (next.seq() > last + 1) {
                            last = catchUp(jobId, last, out);
                        }
                        next = subscription.poll(0);
                    }
                    if (System.currentTimeMillis() - lastWrite > KEEP_ALIVE_MS) {
                        write(out, ": keep-alive\n\n");
                        lastWrite = System.currentTimeMillis();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** Sends the stored events after {@code last}; returns the last number sent. */
    private int catchUp(String jobId, int last, OutputStream out) throws IOException {
        while (true) {
            List<JobEvent> events = jobs.eventsSince(jobId, last, CATCH_UP_BATCH);
            for (JobEvent event : events) {
                send(out, JobEventObject.of(event));
                last = event.jobSeq();
            }
            if (events.size() < CATCH_UP_BATCH) {
                return last;
            }
        }
    }

    private void send(OutputStream out, JobEventObject event) throws IOException {
        write(out, "data: " + json.writeValueAsString(event) + "\n\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
