package dev.anneal.tuner.recipe;

import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingListener;
import java.io.IOException;

/**
 * Direct Preference Optimization (<a href="https://arxiv.org/abs/2305.18290">Rafailov et al.,
 * 2023</a>) on preference data ({@code {"input": {"messages"}, "preferred_output",
 * "non_preferred_output"}} or {@code {"prompt", "chosen", "rejected"}}), full or LoRA: the sigmoid
 * loss {@code -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))} averaged over pairs ({@link
 * dev.anneal.tuner.loss.DpoLoss}), where {@code pi} and {@code ref} are the summed
 * log-probabilities of a completion's tokens under the policy and under the reference model, {@code
 * beta} is {@code dpo.beta}.
 *
 * <p>The reference model is the policy's starting weights (the base, with a fresh LoRA adapter that
 * changes nothing); its log-probabilities are computed once, before the first step (ADR 0012). Each
 * side of a pair is truncated to {@code data.max_seq_length} positions as SFT data is, its head
 * kept; the two sides share a row as two segments, so {@code data.packing} does not apply. Steps
 * and validations report the rewards ({@link dev.anneal.tuner.train.TrainingEvent}).
 *
 * <p>The training loop, its stability handling and determinism are those of every {@link Recipe}.
 */
public final class DpoRecipe implements Recipe {

    private final TrainingLoop loop;

    /**
     * Creates the recipe.
     *
     * @param config a configuration whose method is {@code dpo}
     */
    public DpoRecipe(TrainingConfig config) {
        if (config.method() != TrainingConfig.Method.DPO) {
            throw new IllegalArgumentException("DpoRecipe runs method dpo, not " + config.method());
        }
        this.loop =
                new TrainingLoop(
                        config,
                        new DpoObjective(
                                config.dpo().beta(),
                                config.data().maxSeqLength(),
                                config.training().batchSize()));
    }

    @Override
    public TrainingResult run(TrainingListener listener, RunOptions options) throws IOException {
        return loop.run(listener, options);
    }
}
