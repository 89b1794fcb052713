package dev.anneal.tuner.recipe;

import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingListener;
import java.io.IOException;

/**
 * A training method that runs a {@link TrainingConfig}; the common face of the recipes.
 *
 * <p>One step: read {@code gradient_accumulation_steps} micro-batches; for each, forward, the
 * method's summed loss (masked cross-entropy; DPO's pair loss) divided by the step's weight
 * (counted tokens; pairs), backward (gradients accumulate); then the stability checks (non-finite:
 * skip; spike: roll back to the last good snapshot, lower the learning rate, replay the batches
 * since but the offending step's), clipping, AdamW at the schedule's learning rate, zeroed
 * gradients. Validation every {@code eval_every} steps, checkpoints every {@code checkpoint_every},
 * both at the end.
 *
 * <p>Determinism: the data order depends on {@code (seed, epoch)}, LoRA's initialisation on {@code
 * seed}, dropout on {@code (seed, step)} through the engine's generator, reseeded every step; the
 * same recipe gives the same losses, and a run resumed from a checkpoint the same losses as one
 * never stopped. The engine's generator is process-wide: run one training at a time per JVM.
 */
public interface Recipe {

    /**
     * The folder under {@code output_dir} where a LoRA run that reaches {@code max_steps} leaves
     * its adapter in PEFT's layout ({@link dev.anneal.tuner.export.PeftAdapter}).
     */
    String ADAPTER_DIR = "adapter";

    /**
     * The folder under {@code output_dir} where a full fine-tuning run that reaches {@code
     * max_steps} leaves its weights as a Hugging Face model folder ({@link
     * dev.anneal.tuner.export.MergedWeights}).
     */
    String MODEL_DIR = "model";

    /**
     * The recipe of the method a configuration names.
     *
     * @param config the validated configuration
     * @return {@link SftRecipe}, {@link PretrainRecipe} or {@link DpoRecipe}
     */
    static Recipe of(TrainingConfig config) {
        switch (config.method()) {
            case SFT:
                return new SftRecipe(config);
            case PRETRAIN:
                return new PretrainRecipe(config);
            case DPO:
                return new DpoRecipe(config);
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
