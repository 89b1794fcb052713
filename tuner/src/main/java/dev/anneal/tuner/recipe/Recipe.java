package dev.anneal.tuner.recipe;

import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingListener;
import java.io.IOException;

/** A training method that runs a {@link TrainingConfig}; the common face of the recipes. */
public interface Recipe {

    /**
     * The folder under {@code output_dir} where a LoRA run that reaches {@code max_steps} leaves
     * its adapter in PEFT's layout ({@link dev.anneal.tuner.export.PeftAdapter}).
     */
    String ADAPTER_DIR = "adapter";

    /**
     * The recipe of the method a configuration names.
     *
     * @param config the validated configuration
     * @return {@link SftRecipe} or {@link PretrainRecipe}
     */
    static Recipe of(TrainingConfig config) {
        switch (config.method()) {
            case SFT:
                return new SftRecipe(config);
            case PRETRAIN:
                return new PretrainRecipe(config);
            default:
                throw new IllegalArgumentException("Unknown method " + config.method());
        }
    }

    /**
     * Trains from the start to {@code max_steps}.
     *
     * @param listener receives the run's events
     * @return the result
     * @throws IOException if the model, data or a checkpoint cannot be read or written
     */
    default TrainingResult run(TrainingListener listener) throws IOException {
        return run(listener, RunOptions.DEFAULT);
    }

    /**
     * Trains.
     *
     * @param listener receives the run's events
     * @param options where to start and stop
     * @return the result
     * @throws IOException if the model, data or a checkpoint cannot be read or written
     */
    TrainingResult run(TrainingListener listener, RunOptions options) throws IOException;
}
