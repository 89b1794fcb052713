package dev.anneal.tuner.worker;

import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.file.FileService;
import dev.anneal.store.job.JobEventLog;
import dev.anneal.store.job.JobQueue;
import dev.anneal.store.job.JobRepository;
import dev.anneal.store.model.ModelRepository;
import dev.anneal.store.tenant.CurrentTenant;
import dev.anneal.store.tenant.TenantKeyRing;
import dev.anneal.tuner.registry.BaseModelRegistry;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a job run needs from the platform: the store's parts, the worker's folders and limits
 * ({@code heldDataBytes}: the heap one job's encoded examples may take).
 */
record WorkerContext(
        JobQueue queue,
        JobRepository jobs,
        JobEventLog events,
        FileService files,
        BaseModelRegistry models,
        ModelRepository fineTuned,
        BlobStore blobs,
        TenantKeyRing keyRing,
        CurrentTenant currentTenant,
        Path workRoot,
        int maxAttempts,
        Duration maxJobDuration,
        long heldDataBytes,
        int checkpointsKept,
        JobPhases phases) {}
