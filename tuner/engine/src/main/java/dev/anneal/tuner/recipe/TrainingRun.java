package dev.anneal.tuner.recipe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.BatchLoader;
import dev.anneal.tuner.data.DataPosition;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.export.MergedWeights;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.optim.AdamW;
import dev.anneal.tuner.optim.GradientClipping;
import dev.anneal.tuner.optim.LrSchedule;
import dev.anneal.tuner.train.BatchLoss;
import dev.anneal.tuner.train.Evaluator;
import dev.anneal.tuner.train.LossSpikeDetector;
import dev.anneal.tuner.train.StabilityConfig;
import dev.anneal.tuner.train.StepVerdict;
import dev.anneal.tuner.train.ThreadGradients;
import dev.anneal.tuner.train.TrainableModel;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingDivergedException;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import dev.anneal.tuner.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of the {@link TrainingLoop}: the model, optimiser, data order and stability state, and
 * the named steps the loop calls — {@link #resume}, {@link #trainOneStep}, {@link #snapshotIfDue},
 * {@link #evaluateIfDue}, {@link #checkpointIfDue}, {@link #finish}.
 *
 * <p>Not thread-safe: one thread runs it from start to finish. Everything it allocates belongs to
 * the run's manager, closed by the loop.
 */
final class TrainingRun {

    private final TrainingConfig config;
    private final TrainingObjective objective;
    private final TrainableModel model;
    private final SequencePacker.Packed train;
    private final SequencePacker.Packed validation;
    private final NDManager manager;
    private final TrainingListener listener;

    private final BatchLoader loader;
    private final BatchLoss trainLoss;
    private final BatchLoss validationLoss;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final StabilityConfig stability;
    private final LossSpikeDetector spikes;

    private int step;
    private double lrScale = 1;
    private int rollbacks;
    private double lastLoss = Double.NaN;
    private Path lastCheckpoint;
    private TrainingState lastGood;

    /**
     * Sets up a run at step 0: the data order, the losses, the optimiser, the stability guard.
     *
     * @param validation the validation rows, or {@code null}
     */
    TrainingRun(
            TrainingConfig config,
            TrainingObjective objective,
            TrainableModel model,
            SequencePacker.Packed train,
            SequencePacker.Packed validation,
            NDManager manager,
            TrainingListener listener) {
        this.config = config;
        this.objective = objective;
        this.model = model;
        this.train = train;
        this.validation = validation;
        this.manager = manager;
        this.listener = listener;
        this.loader =
                new BatchLoader(
                        train.rows(),
                        config.training().batchSize(),
                        config.data().shuffle(),
                        config.seed(),
                        objective.packed());
        this.trainLoss = objective.lossOver(train.rows(), model, manager);
        this.validationLoss =
                validation == null ? null : objective.lossOver(validation.rows(), model, manager);
        this.optimizer =
                new AdamW(
                        manager,
                        config.optimizer().beta1(),
                        config.optimizer().beta2(),
                        config.optimizer().eps(),
                        config.optimizer().weightDecay());
        this.schedule = config.lrSchedule();
        this.stability = config.stability();
        this.spikes = new LossSpikeDetector(stability);
    }

    /** The optimiser steps taken so far. */
    int step() {
        return step;
    }

    /**
     * Restores a checkpoint's weights, optimiser moments, data position and stability state, takes
     * the first good snapshot and announces the run.
     *
     * @param checkpoint the checkpoint folder, or {@code null} to start afresh
     */
    void resume(Path checkpoint) throws IOException {
        if (checkpoint != null) {
            try (TrainingState saved = TrainingState.load(checkpoint, manager)) {
                saved.restoreInto(model, optimizer);
                TrainingState.Progress progress = saved.progress();
                step = progress.step();
                lrScale = progress.learningRateScale();
                rollbacks = progress.rollbacks();
                progress.skippedBatches().forEach(loader::skip);
                loader.seek(progress.data());
                spikes.restore(progress.recentLosses());
            }
        }
        lastGood = TrainingState.capture(manager, progress(), model, optimizer);
        listener.onEvent(
                new TrainingEvent.TrainingStarted(
                        config.method().wireName(),
                        config.lora() != null,
                        model.trainableElements(),
                        model.totalElements(),
                        train.stats(),
                        validation == null ? null : validation.stats(),
                        step,
                        config.training().maxSteps()));
    }

    /**
     * One optimiser step: reads {@code gradient_accumulation_steps} micro-batches, accumulates
     * their gradients and updates the weights — unless the stability guard skips the step (a
     * non-finite loss or gradient) or rolls back to the last good snapshot (a loss spike).
     *
     * @return false when the step rolled back, so that {@link #step()} went back
     * @throws TrainingDivergedException when the guard gives up
     */
    boolean trainOneStep() {
        long started = System.nanoTime();
        List<DataPosition> starts = new ArrayList<>();
        List<Batch> microBatches = new ArrayList<>();
        int weight = 0;
        long positions = 0;
        for (int i = 0; i < config.training().gradientAccumulationSteps(); i++) {
            starts.add(loader.position());
            Batch batch = loader.next();
            microBatches.add(batch);
            weight += trainLoss.weight(batch);
            positions += batch.realPositions();
        }
        step++;
        Engine.getInstance().setRandomSeed(TrainingLoop.dropoutSeed(config.seed(), step));
        try (NDManager stepManager = manager.newSubManager()) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            double loss = backward(microBatches, weight, metrics, stepManager);
            Map<String, NDArray> gradients = model.gradients(stepManager);
            double gradNorm = GradientClipping.globalNorm(gradients.values(), stepManager);
            StepVerdict verdict = StepVerdict.of(loss, gradNorm, spikes);
            if (verdict == StepVerdict.SKIP_NON_FINITE_LOSS
                    || verdict == StepVerdict.SKIP_NON_FINITE_GRADIENT) {
                skip(verdict, loss, gradNorm, stepManager);
                return true;
            }
            if (verdict == StepVerdict.ROLL_BACK) {
                rollBack(loss, starts, stepManager);
                return false;
            }
            double lr = update(gradients, gradNorm, loss, stepManager);
            double seconds = (System.nanoTime() - started) / 1e9;
            listener.onEvent(
                    new TrainingEvent.StepMetrics(
                            step,
                            loss,
                            lr,
                            gradNorm,
                            positions / seconds,
                            positions,
                            Collections.unmodifiableMap(metrics)));
            return true;
        }
    }

    /** Forward and backward over the micro-batches; the mean loss per unit of step weight. */
    private double backward(
            List<Batch> microBatches,
            int weight,
            Map<String, Double> metrics,
            NDManager stepManager) {
        NDArray stepWeight = stepManager.create((float) weight);
        double loss = 0;
        for (Batch batch : microBatches) {
            try (NDManager micro = stepManager.newSubManager();
                    GradientCollector collector = new ThreadGradients()) {
                Batch.Arrays arrays = batch.toArrays(micro);
                NDArray logits = model.logits(arrays, true);
                BatchLoss.Sums sums = trainLoss.sums(logits, batch, arrays);
                NDArray microLoss = sums.loss().div(stepWeight);
                collector.backward(microLoss);
                loss += microLoss.getFloat();
                sums.metrics().forEach((k, v) -> metrics.merge(k, v, Double::sum));
            }
        }
        metrics.replaceAll((k, sum) -> sum / weight);
        return loss;
    }

    /** Stability: a non-finite step makes no update. */
    private void skip(StepVerdict verdict, double loss, double gradNorm, NDManager stepManager) {
        if (!stability.skipNonFinite()) {
            throw new TrainingDivergedException(
                    "Step " + step + ": " + verdict + " (loss " + loss + ")");
        }
        model.zeroGradients(stepManager);
        listener.onEvent(new TrainingEvent.StepSkipped(step, verdict.skipReason(), loss, gradNorm));
    }

    /**
     * Stability: a spike rolls back to the last good snapshot, lowers the learning rate and replays
     * the batches read since, all but this step's.
     */
    private void rollBack(double loss, List<DataPosition> starts, NDManager stepManager) {
        rollbacks++;
        if (rollbacks > stability.maxRollbacks()) {
            throw new TrainingDivergedException(
                    "Step "
                            + step
                            + ": loss "
                            + loss
                            + " spiked after "
                            + stability.maxRollbacks()
                            + " rollbacks");
        }
        double runningMean = spikes.runningMean();
        lrScale *= stability.lrBackoff();
        model.zeroGradients(stepManager);
        lastGood.restoreInto(model, optimizer);
        spikes.restore(lastGood.progress().recentLosses());
        starts.forEach(loader::skip);
        loader.seek(lastGood.progress().data());
        listener.onEvent(
                new TrainingEvent.RolledBack(
                        step, loss, runningMean, lastGood.progress().step(), lrScale));
        step = lastGood.progress().step();
    }

    /**
     * Clips, takes the AdamW step at the schedule's learning rate, records the loss.
     *
     * @return the learning rate of the step
     */
    private double update(
            Map<String, NDArray> gradients, double gradNorm, double loss, NDManager stepManager) {
        if (config.optimizer().maxGradNorm() > 0) {
            GradientClipping.clip(gradients.values(), gradNorm, config.optimizer().maxGradNorm());
        }
        double lr = schedule.learningRate(step - 1) * lrScale;
        optimizer.step(model.values(), gradients, lr, stepManager);
        model.zeroGradients(stepManager);
        spikes.accept(loss);
        lrScale = stability.recoverLearningRate(lrScale);
        lastLoss = loss;
        return lr;
    }

    /** Takes an in-memory snapshot to roll back to, every {@code snapshot_every} steps. */
    void snapshotIfDue() {
        if (step % stability.snapshotEvery() == 0) {
            lastGood.close();
            lastGood = TrainingState.capture(manager, progress(), model, optimizer);
        }
    }

    /** Validates every {@code eval_every} steps, when there is validation data. */
    void evaluateIfDue() {
        int evalEvery = config.training().evalEvery();
        if (validation != null && evalEvery > 0 && step % evalEvery == 0) {
            evaluate();
        }
    }

    /** Saves a checkpoint every {@code checkpoint_every} steps. */
    void checkpointIfDue() throws IOException {
        int checkpointEvery = config.training().checkpointEvery();
        if (checkpointEvery > 0 && step % checkpointEvery == 0) {
            checkpoint();
        }
    }

    /**
     * Ends the run: the final validation and checkpoint, and, when {@code max_steps} is reached,
     * the adapter in PEFT's layout (LoRA) or the weights in Hugging Face's (full).
     *
     * @return what the run achieved
     */
    TrainingResult finish() throws IOException {
        lastGood.close();
        Evaluator.Evaluation evaluation = validation == null ? null : evaluate();
        checkpoint();
        if (step == config.training().maxSteps()) {
            export();
        }
        double finalLoss = evaluation == null ? Double.NaN : evaluation.loss();
        listener.onEvent(new TrainingEvent.TrainingFinished(step, finalLoss, lastCheckpoint));
        optimizer.close();
        return new TrainingResult(
                step,
                lastLoss,
                finalLoss,
                evaluation == null ? Double.NaN : evaluation.tokenAccuracy(),
                lastCheckpoint);
    }

    private void export() throws IOException {
        if (model.lora().isPresent()) {
            PeftAdapter.save(
                    config.outputDir().resolve(Recipe.ADAPTER_DIR),
                    model.lora().get(),
                    config.modelDir().toAbsolutePath().normalize().toString());
        } else {
            MergedWeights.save(
                    config.outputDir().resolve(Recipe.MODEL_DIR),
                    model.model(),
                    null,
                    config.modelDir());
        }
    }

    private Evaluator.Evaluation evaluate() {
        Evaluator.Evaluation evaluation =
                Evaluator.evaluate(
                        model,
                        validation.rows(),
                        config.training().batchSize(),
                        objective.packed(),
                        validationLoss,
                        manager);
        listener.onEvent(
                new TrainingEvent.ValidationMetrics(
                        step,
                        evaluation.loss(),
                        evaluation.tokenAccuracy(),
                        evaluation.tokens(),
                        evaluation.metrics()));
        return evaluation;
    }

    private void checkpoint() throws IOException {
        TrainingState.Progress progress = progress();
        Path directory = config.outputDir().resolve("checkpoint-" + progress.step());
        try (TrainingState state = TrainingState.capture(manager, progress, model, optimizer)) {
            state.save(directory);
        }
        listener.onEvent(new TrainingEvent.CheckpointSaved(progress.step(), directory));
        lastCheckpoint = directory;
    }

    private TrainingState.Progress progress() {
        return new TrainingState.Progress(
                step,
                optimizer.stepCount(),
                lrScale,
                loader.position(),
                loader.skipped(),
                spikes.history(),
                rollbacks,
                config.seed());
    }
}
