package dev.anneal.tuner.worker;

import dev.anneal.store.Ids;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.blob.PendingBlob;
import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.job.JobEventLog;
import dev.anneal.store.job.JobLease;
import dev.anneal.store.job.JobQueue;
import dev.anneal.tuner.data.DataStats;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a running job tells the world: each training event becomes a job event (metrics at every
 * logging step, validation, checkpoints, skipped steps, rollbacks, data statistics at the start), a
 * row of the metrics CSV, and for checkpoints an encrypted archive with its record.
 */
final class JobProgress implements TrainingListener {

    /** Columns of the metrics file, OpenAI's and the engine's own. */
    static final String CSV_HEADER =
            "step,train_loss,learning_rate,grad_norm,tokens_per_second,valid_loss,"
                    + "valid_mean_token_accuracy\n";

    private final JobLease lease;
    private final JobEventLog events;
    private final JobQueue queue;
    private final BlobStore blobs;
    private final DataKey dataKey;
    private final Heartbeat heartbeat;
    private final StringBuilder csv = new StringBuilder(CSV_HEADER);
    private final Map<String, Object> lastMetrics = new LinkedHashMap<>();
    private int maxSteps;
    private int logEvery = 1;
    private int startStep;
    private long startedNanos;
    private long modelLoadedNanos;
    private long firstStepEndedNanos;
    private long laterCheckpointNanos;
    private final JobPhases phases;
    private final Instant jobCreatedAt;
    private long positions;

    /** Checkpoints kept per job, newest first; older ones are deleted with their blobs. */
    private final int checkpointsKept;

    JobProgress(
            JobLease lease,
            JobEventLog events,
            JobQueue queue,
            BlobStore blobs,
            DataKey dataKey,
            Heartbeat heartbeat,
            int checkpointsKept,
            JobPhases phases,
            Instant jobCreatedAt) {
        this.checkpointsKept = checkpointsKept;
        this.phases = phases;
        this.jobCreatedAt = jobCreatedAt;
        this.lease = lease;
        this.events = events;
        this.queue = queue;
        this.blobs = blobs;
        this.dataKey = dataKey;
        this.heartbeat = heartbeat;
    }

    @Override
    public void onEvent(TrainingEvent event) {
        if (event instanceof TrainingEvent.ModelLoaded) {
            modelLoadedNanos = System.nanoTime();
        } else if (event instanceof TrainingEvent.TrainingStarted started) {
            started(started);
        } else if (event instanceof TrainingEvent.StepMetrics step) {
            step(step);
        } else if (event instanceof TrainingEvent.ValidationMetrics validation) {
            validation(validation);
        } else if (event instanceof TrainingEvent.CheckpointSaved checkpoint) {
            checkpoint(checkpoint);
        } else if (event instanceof TrainingEvent.StepSkipped skipped) {
            String reason = skipped.reason().name().toLowerCase(Locale.ROOT);
            events.append(
                    lease.jobId(),
                    JobEventLog.WARN,
                    JobEventLog.MESSAGE,
                    String.format(
                            Locale.ROOT,
                            "Step %d skipped (%s): loss=%s",
                            skipped.step(),
                            reason,
                            skipped.loss()),
                    Map.of("step", skipped.step(), "reason", reason));
        } else if (event instanceof TrainingEvent.RolledBack rolledBack) {
            events.append(
                    lease.jobId(),
                    JobEventLog.WARN,
                    JobEventLog.MESSAGE,
                    String.format(
                            Locale.ROOT,
                            "Loss spike at step %d (loss %.4f, recent mean %.4f): rolled back to"
                                    + " step %d, learning rate scaled by %.3g",
                            rolledBack.step(),
                            rolledBack.loss(),
                            rolledBack.runningMean(),
                            rolledBack.restoredStep(),
                            rolledBack.learningRateScale()),
                    Map.of(
                            "step", rolledBack.step(),
                            "loss", rolledBack.loss(),
                            "running_mean", rolledBack.runningMean(),
                            "restored_step", rolledBack.restoredStep(),
                            "learning_rate_scale", rolledBack.learningRateScale()));
        }
    }

    private void started(TrainingEvent.TrainingStarted started) {
        maxSteps = started.maxSteps();
        startStep = started.startStep();
        startedNanos = System.nanoTime();
        logEvery = Math.max(1, maxSteps / 100);
        DataStats data = started.trainData();
        positions = data.positions();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("examples", data.examples());
        details.put("tokens", data.positions());
        details.put("trained_tokens_per_epoch", data.countedTokens());
        details.put("examples_truncated", data.truncated());
        details.put("examples_split", data.split());
        details.put("examples_dropped", data.dropped());
        details.put("sequences", data.rows());
        details.put("total_steps", maxSteps);
        details.put("trainable_parameters", started.trainableParameters());
        details.put("total_parameters", started.totalParameters());
        details.put("start_step", startStep);
        events.append(
                lease.jobId(),
                JobEventLog.INFO,
                JobEventLog.MESSAGE,
                String.format(
                        Locale.ROOT,
                        "Training %s: %d examples, %d tokens (%d truncated, %d dropped for"
                                + " length); %d steps, %,d of %,d parameters trained",
                        startStep == 0 ? "started" : "resumed after step " + startStep,
                        data.examples(),
                        data.positions(),
                        data.truncated(),
                        data.dropped(),
                        maxSteps,
                        started.trainableParameters(),
                        started.totalParameters()),
                details);
    }

    private void step(TrainingEvent.StepMetrics step) {
        if (firstStepEndedNanos == 0) {
            firstStepEndedNanos = System.nanoTime();
            phases.record(JobPhases.Phase.FIRST_STEP, firstStepEndedNanos - startedNanos);
            if (startStep == 0) {
                phases.firstStepAfterCreation(Duration.between(jobCreatedAt, Instant.now()));
            }
        }
        csv.append(
                String.format(
                        Locale.ROOT,
                        "%d,%.6f,%.6g,%.6g,%.1f,,\n",
                        step.step(),
                        step.trainLoss(),
                        step.learningRate(),
                        step.gradNorm(),
                        step.tokensPerSecond()));
        lastMetrics.put("step", step.step());
        lastMetrics.put("train_loss", step.trainLoss());
        if (step.step() % logEvery != 0 && step.step() != maxSteps && step.step() != 1) {
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("step", step.step());
        data.put("total_steps", maxSteps);
        data.put("train_loss", step.trainLoss());
        data.put("learning_rate", step.learningRate());
        data.put("grad_norm", step.gradNorm());
        data.put("tokens_per_second", step.tokensPerSecond());
        data.put("tokens", step.tokens());
        data.putAll(step.metrics());
        events.append(
                lease.jobId(),
                JobEventLog.INFO,
                JobEventLog.METRICS,
                String.format(
                        Locale.ROOT,
                        "Step %d/%d: training loss=%.4f",
                        step.step(),
                        maxSteps,
                        step.trainLoss()),
                data);
        int done = step.step() - startStep;
        if (done > 0) {
            long perStep = (System.nanoTime() - startedNanos) / done;
            queue.estimateFinish(
                    lease,
                    Instant.now().plus(Duration.ofNanos(perStep * (maxSteps - step.step()))));
        }
    }

    private void validation(TrainingEvent.ValidationMetrics validation) {
        csv.append(
                String.format(
                        Locale.ROOT,
                        "%d,,,,,%.6f,%.6f\n",
                        validation.step(),
                        validation.loss(),
                        validation.tokenAccuracy()));
        lastMetrics.put("valid_loss", validation.loss());
        lastMetrics.put("valid_mean_token_accuracy", validation.tokenAccuracy());
        events.append(
                lease.jobId(),
                JobEventLog.INFO,
                JobEventLog.METRICS,
                String.format(
                        Locale.ROOT,
                        "Step %d/%d: validation loss=%.4f, token accuracy=%.4f",
                        validation.step(),
                        maxSteps,
                        validation.loss(),
                        validation.tokenAccuracy()),
                validationData(validation));
    }

    private Map<String, Object> validationData(TrainingEvent.ValidationMetrics validation) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("step", validation.step());
        data.put("total_steps", maxSteps);
        data.put("valid_loss", validation.loss());
        data.put("valid_mean_token_accuracy", validation.tokenAccuracy());
        validation.metrics().forEach((name, value) -> data.put("valid_" + name, value));
        return data;
    }

    private void checkpoint(TrainingEvent.CheckpointSaved checkpoint) {
        long storing = System.nanoTime();
        try {
            storeCheckpoint(checkpoint);
        } finally {
            long took = System.nanoTime() - storing;
            phases.record(JobPhases.Phase.CHECKPOINTS, took);
            if (firstStepEndedNanos != 0) {
                laterCheckpointNanos += took;
            }
        }
    }

    private void storeCheckpoint(TrainingEvent.CheckpointSaved checkpoint) {
        String id = Ids.newId("ftckpt");
        BlobKey key = new BlobKey(lease.tenantId(), id);
        long bytes;
        try (PendingBlob blob = blobs.create(key, dataKey)) {
            ZipArchive.write(
                    checkpoint.directory(), "checkpoint-" + checkpoint.step(), blob.output());
            blob.output().close();
            bytes = blob.bytesWritten();
            blob.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not store checkpoint " + checkpoint.step(), e);
        }
        Map<String, Object> metrics = new LinkedHashMap<>(lastMetrics);
        metrics.put("step", checkpoint.step());
        if (!queue.addCheckpoint(lease, id, checkpoint.step(), metrics, bytes)) {
            deleteQuietly(key);
            heartbeat.stopFor(Heartbeat.Stop.LEASE_LOST);
            return;
        }
        for (String dropped : queue.pruneCheckpoints(lease, checkpointsKept)) {
            deleteQuietly(new BlobKey(lease.tenantId(), dropped));
        }
        heartbeat.checkpointStored();
    }

    private void deleteQuietly(BlobKey key) {
        try {
            blobs.delete(key);
        } catch (IOException e) {
            // unreachable without a record; stays encrypted
        }
    }

    /** The metrics file's bytes so far. */
    byte[] csv() {
        return csv.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** When the starting model was loaded ({@link System#nanoTime()}). */
    long modelLoadedNanos() {
        return modelLoadedNanos;
    }

    /** When the training loop began ({@link System#nanoTime()}), after data and model loading. */
    long trainingStartedNanos() {
        return startedNanos;
    }

    /** When the first training step ended ({@link System#nanoTime()}). */
    long firstStepEndedNanos() {
        return firstStepEndedNanos;
    }

    /** Time spent storing checkpoints after the first step, in nanoseconds. */
    long laterCheckpointNanos() {
        return laterCheckpointNanos;
    }

    /** Input positions of one pass over the training data. */
    long positionsPerEpoch() {
        return positions;
    }
}
