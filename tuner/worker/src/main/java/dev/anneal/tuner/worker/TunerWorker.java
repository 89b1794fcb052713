package dev.anneal.tuner.worker;

import dev.anneal.store.Ids;
import dev.anneal.store.Roles;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.file.FileService;
import dev.anneal.store.job.JobEventLog;
import dev.anneal.store.job.JobLease;
import dev.anneal.store.job.JobQueue;
import dev.anneal.store.job.JobRepository;
import dev.anneal.store.job.LeaseRenewals;
import dev.anneal.store.job.WakeUpChannels;
import dev.anneal.store.job.WakeUps;
import dev.anneal.store.model.ModelRepository;
import dev.anneal.store.tenant.CurrentTenant;
import dev.anneal.store.tenant.TenantErasure;
import dev.anneal.store.tenant.TenantKeyRing;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.registry.BaseModelRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The tuner role: {@code anneal.tuner.concurrency} worker slots, each a thread that claims the next
 * job from the queue, runs it, and claims again. Runs when {@code anneal.roles} holds {@code tuner}
 * or {@code all}. At shutdown, running jobs stop and go back to the queue, to be taken over from
 * their last checkpoint.
 *
 * <p>While a slot runs a job, the job's tenant, id and attempt are in the slot thread's logging
 * context ({@link JobLogContext}), so every line logged for the job names them.
 */
@ApplicationScoped
public class TunerWorker {

    private static final Logger LOG = Logger.getLogger(TunerWorker.class);
    private static final long SHUTDOWN_WAIT_MS = 15_000;
    private static final long SUPERVISION_SECONDS = 5;
    private static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
    private static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

    private final WorkerSettings settings;
    private final Roles roles;
    private final WorkerContext context;
    private final LeaseRenewals renewals;
    private final Set<Heartbeat> running = ConcurrentHashMap.newKeySet();
    private final List<Thread> slots = new CopyOnWriteArrayList<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private final WakeUpChannels wakeUpChannels;
    private ScheduledExecutorService heartbeats;
    private WakeUps wakeUps;
    private volatile boolean stopping;
    private volatile int intraOpThreads;

    @Inject
    TunerWorker(
            WorkerSettings settings,
            Roles roles,
            @ConfigProperty(name = "anneal.data-dir") Path dataDir,
            @ConfigProperty(name = "anneal.checkpoints-kept", defaultValue = "3")
                    int checkpointsKept,
            WakeUpChannels wakeUpChannels,
            JobQueue queue,
            LeaseRenewals renewals,
            JobRepository jobs,
            JobEventLog events,
            FileService files,
            BaseModelRegistry models,
            ModelRepository fineTuned,
            BlobStore blobs,
            TenantKeyRing keyRing,
            CurrentTenant currentTenant,
            JobPhases phases) {
        this.settings = settings;
        this.roles = roles;
        this.renewals = renewals;
        this.wakeUpChannels = wakeUpChannels;
        Path workRoot = settings.workDir().map(Path::of).orElse(dataDir.resolve("work"));
        this.context =
                new WorkerContext(
                        queue,
                        jobs,
                        events,
                        files,
                        models,
                        fineTuned,
                        blobs,
                        keyRing,
                        currentTenant,
                        workRoot,
                        settings.maxAttempts(),
                        settings.maxJobDuration(),
                        Runtime.getRuntime().maxMemory() / 3 / settings.concurrency(),
                        checkpointsKept,
                        phases);
    }

    /** An erased tenant's jobs leave no plaintext in this process's work folders. */
    void onTenantErased(@Observes TenantErasure.TenantErased erased) {
        int deleted = WorkFolders.deleteJobFolders(context.workRoot(), Set.copyOf(erased.jobIds()));
        if (deleted > 0) {
            LOG.infof("Deleted %d work folder(s) of erased tenant %s", deleted, erased.tenantId());
        }
    }

    void start(@Observes StartupEvent startup) {
        if (!roles.runs(Roles.TUNER)) {
            return;
        }
        if (settings.heartbeat().multipliedBy(2).compareTo(settings.lease()) > 0) {
            throw new IllegalStateException(
                    "anneal.tuner.heartbeat must be at most half of anneal.tuner.lease");
        }
        int threads =
                settings.threads()
                        .orElse(
                                Math.max(
                                        1,
                                        Runtime.getRuntime().availableProcessors()
                                                / settings.concurrency()));
        // read by DJL when the engine starts, which is when the first job loads a model
        System.setProperty(NUM_THREADS, System.getProperty(NUM_THREADS, String.valueOf(threads)));
        intraOpThreads = Integer.parseInt(System.getProperty(NUM_THREADS));
        System.setProperty(INTEROP_THREADS, System.getProperty(INTEROP_THREADS, "1"));
        // plaintext left by a process of this host that died mid-job (killed, out of memory)
        WorkFolders.sweep(context.workRoot());
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "anneal-lease"));
        wakeUps = wakeUpChannels.listen(WakeUps.JOB_QUEUED);
        String owner = ownerPrefix();
        for (int i = 0; i < settings.concurrency(); i++) {
            slots.add(startSlot(owner, i));
        }
        heartbeats.scheduleWithFixedDelay(
                () -> superviseSlots(owner),
                SUPERVISION_SECONDS,
                SUPERVISION_SECONDS,
                TimeUnit.SECONDS);
        LOG.infof(
                "Tuner role: %d worker slot(s), %s libtorch thread(s), lease %ss, work folder %s",
                settings.concurrency(),
                System.getProperty(NUM_THREADS),
                settings.lease().toSeconds(),
                context.workRoot());
    }

    void stop(@Observes ShutdownEvent shutdown) throws InterruptedException {
        if (slots.isEmpty()) {
            return;
        }
        stopping = true;
        wakeUps.close();
        running.forEach(h -> h.stopFor(Heartbeat.Stop.SHUTDOWN));
        long deadline = System.currentTimeMillis() + SHUTDOWN_WAIT_MS;
        for (Thread slot : slots) {
            slot.join(Math.max(1, deadline - System.currentTimeMillis()));
        }
        heartbeats.shutdownNow();
        heartbeats.awaitTermination(2, TimeUnit.SECONDS);
    }

    private Thread startSlot(String owner, int index) {
        String slot = owner + "/" + index;
        Thread thread = daemon(() -> loop(slot), "anneal-tuner-" + index);
        thread.start();
        return thread;
    }

    /** Starts again any slot whose thread ended while the worker runs; its job was taken over. */
    private void superviseSlots(String owner) {
        for (int i = 0; i < slots.size() && !stopping; i++) {
            if (!slots.get(i).isAlive()) {
                restarts.incrementAndGet();
                LOG.errorf("Worker slot %s/%d had stopped; starting it again", owner, i);
                slots.set(i, startSlot(owner, i));
            }
        }
    }

    /** Whether this process trains jobs: it has the tuner role. */
    public boolean runsTuner() {
        return roles.runs(Roles.TUNER);
    }

    /** Worker slots whose thread is alive. */
    public long aliveSlots() {
        return slots.stream().filter(Thread::isAlive).count();
    }

    /** Worker slots started again after their thread ended. */
    public int slotRestarts() {
        return restarts.get();
    }

    private void loop(String owner) {
        while (!stopping) {
            try {
                long seen = wakeUps.generation();
                long claiming = System.nanoTime();
                Optional<JobLease> claimed =
                        UnitOfWork.call(
                                () ->
                                        context.queue()
                                                .claim(
                                                        owner,
                                                        settings.lease(),
                                                        settings.maxRunningPerTenant(),
                                                        settings.maxAttempts()));
                if (claimed.isEmpty()) {
                    wakeUps.awaitAfter(seen, settings.pollInterval());
                    continue;
                }
                context.phases().record(JobPhases.Phase.CLAIM, System.nanoTime() - claiming);
                run(claimed.get());
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) {
                // an Error too (out of memory while claiming): the slot must outlive it
                LOG.errorf(e, "Worker slot %s: could not claim or run a job; retrying", owner);
                sleepQuietly();
            }
        }
    }

    private void run(JobLease lease) {
        try (JobLogContext logContext = JobLogContext.of(lease);
                Heartbeat heartbeat =
                        new Heartbeat(
                                renewals,
                                lease,
                                settings.lease(),
                                settings.heartbeat(),
                                heartbeats)) {
            LOG.infof(
                    "Worker %s runs job %s (attempt %d)",
                    lease.owner(), lease.jobId(), lease.attempt());
            running.add(heartbeat);
            if (stopping) {
                heartbeat.stopFor(Heartbeat.Stop.SHUTDOWN);
            }
            try {
                // this slot's thread computes: its own OpenMP team, of the size asked for
                DjlRuntime.useIntraOpThreads(intraOpThreads);
                new JobRun(lease, heartbeat, context).execute();
            } finally {
                running.remove(heartbeat);
            }
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(settings.pollInterval().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** host:pid:random, unique per process so that leases name who holds them. */
    private static String ownerPrefix() {
        return WorkFolders.host() + ":" + ProcessHandle.current().pid() + ":" + Ids.randomToken(6);
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
