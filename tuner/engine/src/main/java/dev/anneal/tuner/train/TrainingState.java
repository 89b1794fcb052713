package dev.anneal.tuner.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.data.DataPosition;
import dev.anneal.tuner.optim.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run needs to continue exactly where it was: the trained weights, the optimiser's
 * moments and step count, the schedule position (the step), the learning-rate scale left by
 * rollbacks, the data position, the batches left out after loss spikes, the spike detector's recent
 * losses and the seed.
 *
 * <p>The random state is the seed: dropout is reseeded from {@code (seed, step)} at every step and
 * the data order depends only on {@code (seed, epoch)}, so no generator state needs saving.
 *
 * <p>Held in memory as the last good snapshot a loss spike rolls back to, and written to disk as a
 * checkpoint folder: {@code trainable.safetensors} (weights by Hugging Face/PEFT name), {@code
 * optimizer.safetensors} ({@code exp_avg.NAME}, {@code exp_avg_sq.NAME}) and {@code state.json}.
 * Owns copies of the arrays in a manager of its own; close it to free them.
 */
public final class TrainingState implements AutoCloseable {

    /** The checkpoint file of the trained weights. */
    public static final String WEIGHTS_FILE = "trainable.safetensors";

    /** The checkpoint file of the optimiser's moments. */
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";

    /** The checkpoint file of the scalar state. */
    public static final String STATE_FILE = "state.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The scalar part of the state.
     *
     * @param step optimiser steps done (the schedule's position)
     * @param optimizerSteps updates AdamW applied (its bias-correction {@code t})
     * @param learningRateScale the factor rollbacks left on the learning rate
     * @param data where the next batch starts
     * @param skippedBatches the starts of the batches that made the loss spike, which the data
     *     loader passes over
     * @param recentLosses the spike detector's history
     * @param rollbacks rollbacks so far
     * @param seed the run's seed
     */
    public record Progress(
            int step,
            int optimizerSteps,
            double learningRateScale,
            DataPosition data,
            List<DataPosition> skippedBatches,
            List<Double> recentLosses,
            int rollbacks,
            long seed) {

        /** Copies the lists. */
        public Progress {
            skippedBatches = List.copyOf(skippedBatches);
            recentLosses = List.copyOf(recentLosses);
        }
    }

    private final NDManager manager;
    private final Progress progress;
    private final Map<String, NDArray> weights;
    private final Map<String, NDArray> optimizer;

    private TrainingState(
            NDManager manager,
            Progress progress,
            Map<String, NDArray> weights,
            Map<String, NDArray> optimizer) {
        this.manager = manager;
        this.progress = progress;
        this.weights = weights;
        this.optimizer = optimizer;
    }

    /**
     * Copies the current state.
     *
     * @param parent the manager under which the copies' manager is created
     * @param progress the scalar state
     * @param model the model in training
     * @param adamW the optimiser
     * @return the snapshot
     */
    public static TrainingState capture(
            NDManager parent, Progress progress, TrainableModel model, AdamW adamW) {
        NDManager manager = parent.newSubManager();
        return new TrainingState(
                manager, progress, copies(model.values(), manager), copies(adamW.state(), manager));
    }

    private static Map<String, NDArray> copies(Map<String, NDArray> arrays, NDManager manager) {
        Map<String, NDArray> copies = new LinkedHashMap<>();
        arrays.forEach(
                (name, array) -> {
                    NDArray copy = array.duplicate();
                    copy.attach(manager);
                    copies.put(name, copy);
                });
        return copies;
    }

    /** The scalar state. */
    public Progress progress() {
        return progress;
    }

    /**
     * Puts the weights and optimiser state back.
     *
     * @param model the model, whose trained parameters are overwritten in place
     * @param adamW the optimiser, whose state is replaced
     */
    public void restoreInto(TrainableModel model, AdamW adamW) {
        model.setValues(weights);
        adamW.restore(optimizer, progress.optimizerSteps());
    }

    /**
     * Writes the state as a checkpoint folder, replacing its files.
     *
     * @param directory the folder, created if needed
     * @throws IOException if a file cannot be written
     */
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        Map<String, String> metadata = Map.of("format", "pt", "step", "" + progress.step());
        SafetensorsFile.write(directory.resolve(WEIGHTS_FILE), weights, metadata);
        SafetensorsFile.write(directory.resolve(OPTIMIZER_FILE), optimizer, metadata);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", progress.step());
        state.put("optimizer_steps", progress.optimizerSteps());
        state.put("learning_rate_scale", progress.learningRateScale());
        state.put("data_epoch", progress.data().epoch());
        state.put("data_cursor", progress.data().cursor());
        state.put("skipped_batches", progress.skippedBatches());
        state.put("recent_losses", progress.recentLosses());
        state.put("rollbacks", progress.rollbacks());
        state.put("seed", progress.seed());
        Files.writeString(directory.resolve(STATE_FILE), JSON.writeValueAsString(state));
    }

    /**
     * Reads a checkpoint folder.
     *
     * @param directory the folder {@link #save} wrote
     * @param parent the manager under which the arrays' manager is created
     * @return the state
     * @throws IOException if a file is missing or unreadable
     */
    public static TrainingState load(Path directory, NDManager parent) throws IOException {
        JsonNode state = JSON.readTree(Files.readString(directory.resolve(STATE_FILE)));
        List<DataPosition> skipped = new ArrayList<>();
        state.path("skipped_batches")
                .forEach(
                        start ->
                                skipped.add(
                                        new DataPosition(
                                                start.path("epoch").asInt(),
                                                start.path("cursor").asInt())));
        List<Double> losses = new ArrayList<>();
        state.path("recent_losses").forEach(loss -> losses.add(loss.asDouble()));
        Progress progress =
                new Progress(
                        state.path("step").asInt(),
                        state.path("optimizer_steps").asInt(),
                        state.path("learning_rate_scale").asDouble(1),
                        new DataPosition(
                                state.path("data_epoch").asInt(),
                                state.path("data_cursor").asInt()),
                        skipped,
                        losses,
                        state.path("rollbacks").asInt(),
                        state.path("seed").asLong());
        NDManager manager = parent.newSubManager();
        try {
            return new TrainingState(
                    manager,
                    progress,
                    read(directory.resolve(WEIGHTS_FILE), manager),
                    read(directory.resolve(OPTIMIZER_FILE), manager));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static Map<String, NDArray> read(Path file, NDManager manager) throws IOException {
        SafetensorsFile tensors = SafetensorsFile.open(file);
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (String name : tensors.tensors().keySet()) {
            arrays.put(name, tensors.load(manager, name));
        }
        return arrays;
    }

    @Override
    public void close() {
        manager.close();
    }
}
