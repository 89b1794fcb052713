package dev.anneal.api.admin;

import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.AdminOnly;
import dev.anneal.serving.ServingEngine;
import dev.anneal.serving.adapter.AdapterCache;
import dev.anneal.serving.scheduler.SchedulerStats;
import dev.anneal.store.Roles;
import dev.anneal.store.job.JobQueue;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The platform at a glance for its administrator: the job queue across tenants (waiting, and
 * running per worker) and, where this process serves, the models in memory with their schedulers'
 * load and the adapter cache.
 */
@AdminOnly
@Path("/v1/admin/system")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Administration")
public class SystemResource {

    /**
     * What {@code GET /v1/admin/system} answers.
     *
     * @param serving null where this process does not serve
     */
    public record SystemObject(String object, JobQueue.Overview queue, Serving serving) {}

    /**
     * What the serving engine holds.
     *
     * @param models each model in memory and its scheduler's running and waiting sequences
     * @param adapters the LoRA adapter cache's counters
     * @param fullModels the full fine-tune cache's counters
     */
    public record Serving(
            Map<String, SchedulerStats> models,
            AdapterCache.Stats adapters,
            ServingEngine.FullModelStats fullModels) {}

    private final JobQueue queue;
    private final Roles roles;
    private final ServingEngine engine;

    @Inject
    SystemResource(JobQueue queue, Roles roles, ServingEngine engine) {
        this.queue = queue;
        this.roles = roles;
        this.engine = engine;
    }

    @GET
    @Operation(summary = "The job queue and, where this process serves, the models in memory")
    @Audited(value = "system.read", tenant = Audited.NONE)
    public SystemObject get() {
        Serving serving =
                roles.runs(Roles.SERVE)
                        ? new Serving(
                                engine.schedulerStats(),
                                engine.adapterStats(),
                                engine.fullModelStats())
                        : null;
        return new SystemObject("system", queue.overview(), serving);
    }
}
