package dev.anneal.tuner.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.store.Ids;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.PendingBlob;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.file.StoredFile;
import dev.anneal.store.job.FineTuningJob;
import dev.anneal.store.job.JobError;
import dev.anneal.store.job.JobLease;
import dev.anneal.store.job.JobQueue;
import dev.anneal.store.job.JobSpec;
import dev.anneal.store.job.TrainingType;
import dev.anneal.store.model.FineTunedModel;
import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.TrainingDataTooLargeException;
import dev.anneal.tuner.export.MergedWeights;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.recipe.Recipe;
import dev.anneal.tuner.recipe.RunOptions;
import dev.anneal.tuner.recipe.RunStoppedException;
import dev.anneal.tuner.recipe.TrainingResult;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingDivergedException;
import dev.anneal.tuner.worker.JobPhases.Phase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One claim of one job, from its inputs to its end: decrypts the training data into a private work
 * folder, resumes from the last checkpoint when the job is taken over, trains, stores the
 * fine-tuned model and the metrics file, and finishes the job — every write fenced by the lease.
 * The work folder is deleted whatever happens.
 */
final class JobRun {

    private static final Logger LOG = Logger.getLogger(JobRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobLease lease;
    private final Heartbeat heartbeat;
    private final WorkerContext context;
    private final Path work;
    private final JobPhases phases;

    JobRun(JobLease lease, Heartbeat heartbeat, WorkerContext context) {
        this.lease = lease;
        this.heartbeat = heartbeat;
        this.context = context;
        this.phases = context.phases();
        this.work = context.workRoot().resolve(lease.jobId() + "-" + lease.attempt());
    }

    /** Runs the job in a unit of work bound to its tenant. */
    void execute() {
        UnitOfWork.run(
                () -> {
                    context.currentTenant().set(lease.tenantId());
                    try {
                        train();
                    } finally {
                        WorkFolders.deleteTree(work);
                    }
                });
    }

    private void train() {
        JobQueue queue = context.queue();
        try {
            FineTuningJob job = context.jobs().get(lease.jobId());
            JobSpec spec = job.spec();
            heartbeat.stopAt(job.startedAt().plus(context.maxJobDuration()));
            long decrypting = System.nanoTime();
            WorkFolders.create(context.workRoot(), work.getFileName().toString());
            StoredFile trainingFile = context.files().get(job.trainingFile());
            Path train = decrypt(trainingFile, "train.jsonl");
            Path validation =
                    job.validationFile() == null
                            ? null
                            : decrypt(context.files().get(job.validationFile()), "valid.jsonl");
            long preparing = System.nanoTime();
            phases.record(Phase.DECRYPT, preparing - decrypting);
            Path modelDir = startingModel(job.model());
            Path output = work.resolve("output");
            TrainingConfig config =
                    JobPlan.trainingConfig(
                            spec,
                            job.seed(),
                            modelDir,
                            train,
                            validation,
                            trainingFile.format(),
                            trainingFile.lineCount(),
                            output);
            RunOptions options =
                    resumeOptions()
                            .stoppingWhen(heartbeat::shouldStop)
                            .holdingAtMost(context.heldDataBytes());
            JobProgress progress =
                    new JobProgress(
                            lease,
                            context.events(),
                            queue,
                            context.blobs(),
                            dataKey(),
                            heartbeat,
                            context.checkpointsKept(),
                            phases,
                            job.createdAt());
            TrainingResult result = Recipe.of(config).run(progress, options);
            long trained = System.nanoTime();
            phases.record(Phase.LOAD_MODEL, progress.modelLoadedNanos() - preparing);
            phases.record(
                    Phase.TOKENIZE, progress.trainingStartedNanos() - progress.modelLoadedNanos());
            phases.record(
                    Phase.STEPS,
                    trained - progress.firstStepEndedNanos() - progress.laterCheckpointNanos());
            finish(job, spec, output, progress);
            LOG.infof(
                    "Job %s: %.1f s to prepare, %.1f s for %d steps, %.1f s to store the results",
                    lease.jobId(),
                    (progress.trainingStartedNanos() - preparing) / 1e9,
                    (trained - progress.trainingStartedNanos()) / 1e9,
                    result.steps(),
                    (System.nanoTime() - trained) / 1e9);
        } catch (RunStoppedException e) {
            stopped();
        } catch (Throwable e) {
            if (heartbeat.reason() != Heartbeat.Stop.NONE) {
                stopped();
            } else if (e instanceof InvalidTrainingDataException
                    || e instanceof TrainingDivergedException) {
                queue.fail(lease, failure(e));
            } else {
                // out of memory, an engine fault: another attempt (perhaps on a larger worker) may
                // fare better, up to the limit
                queue.retry(lease, failure(e), context.maxAttempts());
            }
        }
    }

    private void stopped() {
        switch (heartbeat.reason()) {
            case CANCELLED -> context.queue().cancelled(lease);
            case SHUTDOWN ->
                    context.queue()
                            .release(lease, "Worker shutting down; the job goes back to the queue");
            case SUSPENDED ->
                    context.queue()
                            .release(
                                    lease,
                                    "The tenant was suspended: the job stopped after its last"
                                            + " checkpoint and waits in the queue until the tenant"
                                            + " is resumed");
            case TIMED_OUT ->
                    context.queue()
                            .fail(
                                    lease,
                                    new JobError(
                                            "job_timeout",
                                            "The job ran longer than the "
                                                    + context.maxJobDuration()
                                                            .toString()
                                                            .substring(2)
                                                            .toLowerCase(Locale.ROOT)
                                                    + " one job may run here (counted from when it"
                                                    + " started), so it was stopped.",
                                            null));
            default ->
                    LOG.warnf(
                            "Job %s: lease lost, stopped without writing anything more",
                            lease.jobId());
        }
    }

    /**
     * The folder training starts from: a base model's, or one of the tenant's fine-tuned models
     * unpacked from its archive — full weights as they are, a LoRA adapter folded into its own
     * starting model (so the new training, and DPO's reference, start from base plus adapter).
     */
    private Path startingModel(String modelId) throws IOException {
        if (context.models().find(modelId).isPresent()) {
            return context.models().folderOf(modelId);
        }
        FineTunedModel model = context.fineTuned().getFineTuned(modelId, "model");
        Path unpacked = work.resolve("start").resolve(model.blobName());
        try (InputStream in =
                context.blobs().open(new BlobKey(lease.tenantId(), model.blobName()), readKeys())) {
            ZipArchive.extract(in, unpacked);
        }
        if (model.kind() != TrainingType.LORA) {
            return unpacked;
        }
        Path merged = work.resolve("start").resolve(model.blobName() + "-merged");
        MergedWeights.mergeAdapter(startingModel(model.baseModel()), unpacked, merged);
        return merged;
    }

    /** Afresh on a first claim; from the last stored checkpoint on a takeover. */
    private RunOptions resumeOptions() throws IOException {
        if (!lease.isTakeover()) {
            return RunOptions.DEFAULT;
        }
        Optional<JobQueue.JobCheckpointRef> last = context.queue().latestCheckpoint(lease.jobId());
        if (last.isEmpty()) {
            return RunOptions.DEFAULT;
        }
        Path folder = work.resolve("resume").resolve("checkpoint-" + last.get().step());
        try (InputStream in =
                context.blobs().open(new BlobKey(lease.tenantId(), last.get().id()), readKeys())) {
            ZipArchive.extract(in, folder);
        }
        return RunOptions.resumeFrom(folder);
    }

    private void finish(FineTuningJob job, JobSpec spec, Path output, JobProgress progress)
            throws IOException {
        long storing = System.nanoTime();
        Path produced = output.resolve(spec.isLora() ? Recipe.ADAPTER_DIR : Recipe.MODEL_DIR);
        String modelName = job.outputModelName();
        if (spec.isLora()) {
            nameBaseModel(produced.resolve(PeftAdapter.CONFIG_FILE), job.model());
        }
        String blobName = Ids.newId("ftmodel");
        BlobKey key = new BlobKey(lease.tenantId(), blobName);
        long bytes;
        try (PendingBlob blob = context.blobs().create(key, dataKey())) {
            ZipArchive.write(produced, spec.isLora() ? "adapter" : "model", blob.output());
            blob.output().close();
            bytes = blob.bytesWritten();
            blob.commit();
        }
        StoredFile metrics = context.files().storeResult("step_metrics.csv", progress.csv());
        long finishing = System.nanoTime();
        phases.record(Phase.STORE_MODEL, finishing - storing);
        boolean succeeded =
                context.queue()
                        .succeed(
                                lease,
                                new JobQueue.FineTunedModelRow(
                                        modelName,
                                        job.model(),
                                        spec.trainingType(),
                                        blobName,
                                        bytes),
                                progress.positionsPerEpoch() * spec.nEpochs(),
                                List.of(metrics.id()));
        phases.record(Phase.FINISH, System.nanoTime() - finishing);
        if (!succeeded) {
            context.blobs().delete(key);
            context.files().delete(metrics.id());
            LOG.warnf("Job %s: lease lost before it could finish", lease.jobId());
        }
    }

    /**
     * Names the base model by its id in the adapter's config, not by this worker's folder, which
     * means nothing to whoever downloads it.
     */
    private static void nameBaseModel(Path adapterConfig, String baseModelId) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(adapterConfig.toFile());
        config.put("base_model_name_or_path", baseModelId);
        JSON.writerWithDefaultPrettyPrinter().writeValue(adapterConfig.toFile(), config);
    }

    private Path decrypt(StoredFile file, String name) throws IOException {
        Path target = WorkFolders.privateFile(work.resolve(name));
        try (InputStream in = context.files().openContent(file.id());
                OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
        }
        return target;
    }

    /** The key new blobs are written with. */
    private DataKey dataKey() {
        return context.keyRing().dataKeyOf(lease.tenantId());
    }

    /** The keys blobs are read with: the current one and those a rotation retired. */
    private List<DataKey> readKeys() {
        return context.keyRing().dataKeysOf(lease.tenantId());
    }

    /**
     * The error a tenant sees for a failure, logged for the operator. Only bad training data, data
     * too large for the worker's memory and a diverged run are the tenant's to fix, and they are
     * told what is wrong (the worker's folders left out); any other failure (an engine fault, out
     * of memory, a storage error) is an {@code internal_error} that names only an incident id,
     * which the log line carries with the details.
     */
    private JobError failure(Throwable e) {
        if (e instanceof InvalidTrainingDataException
                || e instanceof TrainingDivergedException
                || e instanceof TrainingDataTooLargeException) {
            LOG.warnf("Job %s failed: %s", lease.jobId(), e.getMessage());
            return errorOf(e, work, null);
        }
        String incident = Ids.newId("incident");
        LOG.errorf(e, "Job %s failed on the worker, incident %s", lease.jobId(), incident);
        return errorOf(e, work, incident);
    }

    /**
     * The error a tenant sees for a failure.
     *
     * @param e the failure
     * @param work the job's work folder, left out of messages
     * @param incident the incident id of a failure that is not the tenant's to fix
     */
    static JobError errorOf(Throwable e, Path work, String incident) {
        String message = e.getMessage() == null ? "" : e.getMessage().replace(work + "/", "");
        if (e instanceof TrainingDivergedException) {
            return new JobError("training_diverged", message, null);
        }
        if (e instanceof InvalidTrainingDataException) {
            return new JobError("invalid_training_file", message, "training_file");
        }
        if (e instanceof TrainingDataTooLargeException) {
            return new JobError("insufficient_memory", message, "training_file");
        }
        return new JobError(
                "internal_error",
                "The job failed on the worker (incident "
                        + incident
                        + "); the operator finds what happened in the worker's log under this id.",
                null);
    }
}
