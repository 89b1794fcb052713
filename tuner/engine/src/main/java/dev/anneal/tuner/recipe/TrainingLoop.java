package dev.anneal.tuner.recipe;

import dev.anneal.tuner.data.InvalidTrainingDataException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.BatchLoader;
import dev.anneal.tuner.data.DataPosition;
import dev.anneal.tuner.data.ExampleEncoder;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.export.MergedWeights;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.optim.AdamW;
import dev.anneal.tuner.optim.GradientClipping;
import dev.anneal.tuner.optim.LrSchedule;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import dev.anneal.tuner.train.BatchLoss;
import dev.anneal.tuner.train.Evaluator;
import dev.anneal.tuner.train.LossSpikeDetector;
import dev.anneal.tuner.train.StabilityConfig;
import dev.anneal.tuner.train.StepVerdict;
import dev.anneal.tuner.train.TrainableModel;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingDivergedException;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import dev.anneal.tuner.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop the recipes share: the model, the optimiser, checkpoint and resume, validation,
 * the stability checks and the adapter export. What differs between the recipes, how a JSON Lines
 * file becomes rows and how a batch is scored, comes from a {@link TrainingObjective}.
 *
 * <p>The steps, the stability handling and the determinism it gives are described on {@link
 * Recipe}.
 */
final class TrainingLoop {

    private final TrainingConfig config;
    private final TrainingObjective objective;

    /**
     * Creates the loop.
     *
     * @param config the validated configuration
     * @param objective the recipe's data preparation and loss
     */
    TrainingLoop(TrainingConfig config, TrainingObjective objective) {
        this.config = config;
        this.objective = objective;
    }

    /**
     * Trains.
     *
     * @param listener receives the run's events
     * @param options where to start and stop
     * @return the result
     * @throws IOException if the model, data or a checkpoint cannot be read or written
     */
    TrainingResult run(TrainingListener listener, RunOptions options) throws IOException {
        DjlRuntime.offlineByDefault();
        requireFile(config.data().train(), "data.train");
        if (config.data().validation() != null) {
            requireFile(config.data().validation(), "data.validation");
        }
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(config.modelDir())) {
            // ---- model ----
            TrainableModel model =
                    TrainableModel.load(config.modelDir(), config.lora(), config.seed(), manager);
            LlamaConfig modelConfig = model.model().config();
            if (config.data().maxSeqLength() > modelConfig.maxPositionEmbeddings()) {
                throw new IllegalArgumentException(
                        "data.max_seq_length ("
                                + config.data().maxSeqLength()
                                + ") exceeds the model's max_position_embeddings ("
                                + modelConfig.maxPositionEmbeddings()
                                + ")");
            }
            long eos = modelConfig.eosTokenIds().isEmpty() ? 2 : modelConfig.eosTokenIds().get(0);

            // ---- data ----
            boolean packing = objective.packed();
            options.checkStop(0);
            SequencePacker.Packed train = prepare(config.data().train(), tokenizer, eos);
            SequencePacker.Packed validation =
                    config.data().validation() == null
                            ? null
                            : prepare(config.data().validation(), tokenizer, eos);
            BatchLoader loader =
                    new BatchLoader(
                            train.rows(),
                            config.training().batchSize(),
                            config.data().shuffle(),
                            config.seed(),
                            packing);
            BatchLoss trainLoss = objective.lossOver(train.rows(), model, manager);
            BatchLoss validationLoss =
                    validation == null
                            ? null
                            : objective.lossOver(validation.rows(), model, manager);

            // ---- optimiser, schedule, stability ----
            AdamW optimizer =
                    new AdamW(
                            manager,
                            config.optimizer().beta1(),
                            config.optimizer().beta2(),
                            config.optimizer().eps(),
                            config.optimizer().weightDecay());
            LrSchedule schedule = config.lrSchedule();
            StabilityConfig stability = config.stability();
            LossSpikeDetector spikes = new LossSpikeDetector(stability);
            int step = 0;
            double lrScale = 1;
            int rollbacks = 0;
            if (options.resumeFrom() != null) {
                try (TrainingState saved = TrainingState.load(options.resumeFrom(), manager)) {
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
            TrainingState lastGood =
                    TrainingState.capture(
                            manager,
                            progress(step, optimizer, lrScale, loader, spikes, rollbacks),
                            model,
                            optimizer);
            int maxSteps = config.training().maxSteps();
            int endStep = Math.min(maxSteps, options.stopAfterStep());
            listener.onEvent(
                    new TrainingEvent.TrainingStarted(
                            config.method().wireName(),
                            config.lora() != null,
                            model.trainableElements(),
                            model.totalElements(),
                            train.stats(),
                            validation == null ? null : validation.stats(),
                            step,
                            maxSteps));

            // ---- the loop ----
            double lastLoss = Double.NaN;
            Path lastCheckpoint = null;
            while (step < endStep) {
                options.checkStop(step);
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
                boolean rolledBack = false;
                Engine.getInstance().setRandomSeed(dropoutSeed(config.seed(), step));
                try (NDManager stepManager = manager.newSubManager()) {
                    NDArray stepWeight = stepManager.create((float) weight);
                    double loss = 0;
                    Map<String, Double> metrics = new LinkedHashMap<>();
                    for (Batch batch : microBatches) {
                        try (NDManager micro = stepManager.newSubManager();
                                GradientCollector collector =
                                        Engine.getInstance().newGradientCollector()) {
                            Batch.Arrays arrays = batch.toArrays(micro);
                            NDArray logits = model.logits(arrays, true);
                            BatchLoss.Sums sums = trainLoss.sums(logits, batch, arrays);
                            NDArray microLoss = sums.loss().div(stepWeight);
                            collector.backward(microLoss);
                            loss += microLoss.getFloat();
                            sums.metrics().forEach((k, v) -> metrics.merge(k, v, Double::sum));
                        }
                    }
                    int stepWeightValue = weight;
                    metrics.replaceAll((k, sum) -> sum / stepWeightValue);
                    Map<String, NDArray> gradients = model.gradients(stepManager);
                    double gradNorm = GradientClipping.globalNorm(gradients.values(), stepManager);

                    StepVerdict verdict = StepVerdict.of(loss, gradNorm, spikes);
                    if (verdict == StepVerdict.SKIP_NON_FINITE_LOSS
                            || verdict == StepVerdict.SKIP_NON_FINITE_GRADIENT) {
                        // Stability: a non-finite step makes no update.
                        if (!stability.skipNonFinite()) {
                            throw new TrainingDivergedException(
                                    "Step " + step + ": " + verdict + " (loss " + loss + ")");
                        }
                        model.zeroGradients(stepManager);
                        listener.onEvent(
                                new TrainingEvent.StepSkipped(
                                        step, verdict.skipReason(), loss, gradNorm));
                    } else if (verdict == StepVerdict.ROLL_BACK) {
                        // Stability: a spike rolls back to the last good snapshot and replays
                        // the batches read since, all but this step's.
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
                                        step,
                                        loss,
                                        runningMean,
                                        lastGood.progress().step(),
                                        lrScale));
                        step = lastGood.progress().step();
                        rolledBack = true;
                    } else {
                        if (config.optimizer().maxGradNorm() > 0) {
                            GradientClipping.clip(
                                    gradients.values(), gradNorm, config.optimizer().maxGradNorm());
                        }
                        double lr = schedule.learningRate(step - 1) * lrScale;
                        optimizer.step(model.values(), gradients, lr, stepManager);
                        model.zeroGradients(stepManager);
                        spikes.accept(loss);
                        lrScale = stability.recoverLearningRate(lrScale);
                        lastLoss = loss;
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
                    }
                }
                if (rolledBack) {
                    continue;
                }

                if (step % stability.snapshotEvery() == 0) {
                    lastGood.close();
                    lastGood =
                            TrainingState.capture(
                                    manager,
                                    progress(step, optimizer, lrScale, loader, spikes, rollbacks),
                                    model,
                                    optimizer);
                }
                boolean last = step == endStep;
                int evalEvery = config.training().evalEvery();
                if (validation != null && evalEvery > 0 && step % evalEvery == 0 && !last) {
                    validate(model, validation, validationLoss, step, manager, listener);
                }
                int checkpointEvery = config.training().checkpointEvery();
                if (checkpointEvery > 0 && step % checkpointEvery == 0 && !last) {
                    lastCheckpoint =
                            saveCheckpoint(
                                    model,
                                    optimizer,
                                    progress(step, optimizer, lrScale, loader, spikes, rollbacks),
                                    manager,
                                    listener);
                }
            }
            lastGood.close();

            // ---- the end ----
            Evaluator.Evaluation evaluation =
                    validation == null
                            ? null
                            : validate(model, validation, validationLoss, step, manager, listener);
            lastCheckpoint =
                    saveCheckpoint(
                            model,
                            optimizer,
                            progress(step, optimizer, lrScale, loader, spikes, rollbacks),
                            manager,
                            listener);
            if (step == maxSteps && model.lora().isPresent()) {
                PeftAdapter.save(
                        config.outputDir().resolve(Recipe.ADAPTER_DIR),
                        model.lora().get(),
                        config.modelDir().toAbsolutePath().normalize().toString());
            } else if (step == maxSteps) {
                MergedWeights.save(
                        config.outputDir().resolve(Recipe.MODEL_DIR),
                        model.model(),
                        null,
                        config.modelDir());
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
    }

    /** Reads one JSON Lines file and has the objective make its rows. */
    private SequencePacker.Packed prepare(Path file, TextTokenizer tokenizer, long eos)
            throws IOException {
        List<JsonNode> lines = ExampleEncoder.readLines(file);
        if (lines.isEmpty()) {
            throw new InvalidTrainingDataException(null, file + " holds no example");
        }
        return objective.prepare(file, lines, tokenizer, eos);
    }

    private Evaluator.Evaluation validate(
            TrainableModel model,
            SequencePacker.Packed validation,
            BatchLoss loss,
            int step,
            NDManager manager,
            TrainingListener listener) {
        Evaluator.Evaluation evaluation =
                Evaluator.evaluate(
                        model,
                        validation.rows(),
                        config.training().batchSize(),
                        objective.packed(),
                        loss,
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

    private Path saveCheckpoint(
            TrainableModel model,
            AdamW optimizer,
            TrainingState.Progress progress,
            NDManager manager,
            TrainingListener listener)
            throws IOException {
        Path directory = config.outputDir().resolve("checkpoint-" + progress.step());
        try (TrainingState state = TrainingState.capture(manager, progress, model, optimizer)) {
            state.save(directory);
        }
        listener.onEvent(new TrainingEvent.CheckpointSaved(progress.step(), directory));
        return directory;
    }

    private TrainingState.Progress progress(
            int step,
            AdamW optimizer,
            double lrScale,
            BatchLoader loader,
            LossSpikeDetector spikes,
            int rollbacks) {
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

    private static void requireFile(Path file, String key) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(key + ": no such file " + file.toAbsolutePath());
        }
    }

    /** The seed of the engine's generator (dropout) for one step. */
    static int dropoutSeed(long seed, int step) {
        long mixed = seed * 0x9E3779B97F4A7C15L + step * 0xC2B2AE3D27D4EB4FL;
        return (int) (mixed ^ (mixed >>> 32));
    }
}
