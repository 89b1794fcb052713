package dev.anneal.tuner.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import dev.anneal.tuner.train.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA DPO of stories260K on the tiny preference set of {@code recipes/data} (polite answers
 * preferred to rude ones), judged on held-out pairs (other names, other toys).
 */
class DpoRecipeTest {

    /**
     * At step 0 the policy is the reference, so every reward is 0: margin 0, accuracy 0 (no chosen
     * reward above its rejected one), loss ln 2. Training must open a positive margin on pairs it
     * never saw, and rank most of them right.
     */
    @Test
    void shouldRaiseHeldOutMarginAndAccuracyWhenTrainingLora(@TempDir Path output)
            throws Exception {
        RecipeFixtures.Recorder events = new RecipeFixtures.Recorder();

        TrainingResult result = Recipe.of(config(output, 30)).run(events);

        TrainingEvent.StepMetrics first = events.of(TrainingEvent.StepMetrics.class).get(0);
        assertThat(first.trainLoss()).isCloseTo(Math.log(2), within(1e-5));
        assertThat(first.metrics())
                .containsOnlyKeys(
                        DpoObjective.CHOSEN,
                        DpoObjective.REJECTED,
                        DpoObjective.MARGINS,
                        DpoObjective.ACCURACIES);
        assertThat(first.metrics().get(DpoObjective.MARGINS)).isCloseTo(0.0, within(1e-4));
        var started = events.of(TrainingEvent.TrainingStarted.class).get(0);
        assertThat(started.method()).isEqualTo("dpo");
        assertThat(started.trainData().examples()).isEqualTo(24);
        assertThat(started.trainData().rows()).isEqualTo(24);
        assertThat(started.validationData().rows()).isEqualTo(8);

        List<TrainingEvent.ValidationMetrics> validations =
                events.of(TrainingEvent.ValidationMetrics.class);
        assertThat(validations)
                .extracting(TrainingEvent.ValidationMetrics::step)
                .containsExactly(10, 20, 30);
        TrainingEvent.ValidationMetrics last = validations.get(2);
        double margin = last.metrics().get(DpoObjective.MARGINS);
        double accuracy = last.metrics().get(DpoObjective.ACCURACIES);
        System.out.printf(
                "held-out pairs: margin 0 -> %.4f (step 10: %.4f), accuracy 0 -> %.3f,"
                        + " loss %.4f -> %.4f%n",
                margin,
                validations.get(0).metrics().get(DpoObjective.MARGINS),
                accuracy,
                Math.log(2),
                last.loss());
        assertThat(margin).isGreaterThan(validations.get(0).metrics().get(DpoObjective.MARGINS));
        assertThat(margin).isGreaterThan(0.5);
        assertThat(accuracy).isGreaterThanOrEqualTo(0.875);
        assertThat(last.loss()).isLessThan(Math.log(2));
        assertThat(result.validationLoss()).isEqualTo(last.loss());
        assertThat(output.resolve(Recipe.ADAPTER_DIR).resolve("adapter_model.safetensors"))
                .exists();
    }

    /**
     * LoRA DPO leaves the base weights on disk as they were and saves only the adapters; stopped at
     * step 3 and resumed, it gives the losses of a run never stopped.
     */
    @Test
    void shouldKeepBaseAndResumeExactlyWhenStoppedAndResumed(@TempDir Path output)
            throws Exception {
        byte[] before = sha256(Stories260K.DIR.resolve("model.safetensors"));
        RecipeFixtures.Recorder straight = new RecipeFixtures.Recorder();
        new DpoRecipe(config(output.resolve("straight"), 6)).run(straight);

        TrainingConfig interrupted = config(output.resolve("interrupted"), 6);
        TrainingResult stopped =
                new DpoRecipe(interrupted).run(TrainingListener.NONE, new RunOptions(null, 3));
        RecipeFixtures.Recorder resumed = new RecipeFixtures.Recorder();
        new DpoRecipe(interrupted).run(resumed, RunOptions.resumeFrom(stopped.checkpoint()));

        assertThat(sha256(Stories260K.DIR.resolve("model.safetensors"))).isEqualTo(before);
        assertThat(
                        SafetensorsFile.open(
                                        stopped.checkpoint().resolve(TrainingState.WEIGHTS_FILE))
                                .tensors()
                                .keySet())
                .hasSize(70)
                .allMatch(n -> n.endsWith(".lora_A.weight") || n.endsWith(".lora_B.weight"));
        List<Double> expected = straight.trainLosses().subList(3, 6);
        assertThat(resumed.trainLosses()).hasSize(3);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(resumed.trainLosses().get(i)).isCloseTo(expected.get(i), within(1e-5));
        }
        assertThat(resumed.of(TrainingEvent.StepMetrics.class).get(0).step()).isEqualTo(4);
    }

    private static TrainingConfig config(Path output, int steps) throws Exception {
        return RecipeFixtures.config(
                "dpo",
                "tiny_preference_train.jsonl",
                "tiny_preference_validation.jsonl",
                output,
                """
                seed: 11
                DATA:
                  max_seq_length: 96
                dpo: {beta: 0.1}
                lora: {r: 8, alpha: 16, dropout: 0.0,
                       target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]}
                optimizer: {lr: 5.0e-3, max_grad_norm: 1.0}
                schedule: {type: cosine, warmup_steps: 3, min_lr_ratio: 0.1}
                training: {max_steps: %d, batch_size: 4, eval_every: 10}
                stability: {spike_factor: 0}
                """
                        .formatted(steps));
    }

    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }
}
