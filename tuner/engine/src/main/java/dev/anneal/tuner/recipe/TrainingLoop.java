package dev.anneal.tuner.recipe;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.data.JsonLines;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import dev.anneal.tuner.train.TrainableModel;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training loop the recipes share: load the model and the data, resume, then step, snapshot,
 * evaluate and checkpoint until the last step, and finish with the final evaluation, checkpoint and
 * export. What differs between the recipes, how a JSON Lines file becomes rows and how a batch is
 * scored, comes from a {@link TrainingObjective}; the state of one run and each of its steps are
 * {@link TrainingRun}'s.
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
        DjlRuntime.recordGradientsOnlyWhenAsked();
        requireFile(config.data().train(), "data.train");
        if (config.data().validation() != null) {
            requireFile(config.data().validation(), "data.validation");
        }
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(config.modelDir())) {
            TrainableModel model =
                    TrainableModel.load(config.modelDir(), config.lora(), config.seed(), manager);
            listener.onEvent(new TrainingEvent.ModelLoaded(model.totalElements()));
            long eos = endOfSequence(model.model().config());
            options.checkStop(0);
            SequencePacker.Packed train = prepare(config.data().train(), tokenizer, eos, options);
            SequencePacker.Packed validation =
                    config.data().validation() == null
                            ? null
                            : prepare(config.data().validation(), tokenizer, eos, options);

            TrainingRun run =
                    new TrainingRun(config, objective, model, train, validation, manager, listener);
            run.resume(options.resumeFrom());
            int endStep = Math.min(config.training().maxSteps(), options.stopAfterStep());
            while (run.step() < endStep) {
                options.checkStop(run.step());
                if (!run.trainOneStep()) {
                    continue; // rolled back to the last good snapshot
                }
                run.snapshotIfDue();
                if (run.step() < endStep) {
                    run.evaluateIfDue();
                    run.checkpointIfDue();
                }
            }
            return run.finish();
        }
    }

    /** The id a completion or a text ends with; checks the model's context against the data's. */
    private long endOfSequence(LlamaConfig model) {
        if (config.data().maxSeqLength() > model.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(
                    "data.max_seq_length ("
                            + config.data().maxSeqLength()
                            + ") exceeds the model's max_position_embeddings ("
                            + model.maxPositionEmbeddings()
                            + ")");
        }
        return model.eosTokenIds().isEmpty() ? 2 : model.eosTokenIds().get(0);
    }

    /** Reads one JSON Lines file and has the objective make its rows. */
    private SequencePacker.Packed prepare(
            Path file, TextTokenizer tokenizer, long eos, RunOptions options) throws IOException {
        return objective.prepare(new JsonLines(file, options.heldDataBytes()), tokenizer, eos);
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
