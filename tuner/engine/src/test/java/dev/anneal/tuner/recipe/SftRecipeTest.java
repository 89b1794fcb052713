package dev.anneal.tuner.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.data.DataPosition;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import dev.anneal.tuner.train.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftRecipeTest {

    private static final String LORA_CHAT =
            """
            seed: 7
            DATA:
              max_seq_length: 96
              packing: true
            lora: {r: 4, alpha: 8, dropout: 0.1, target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]}
            optimizer: {lr: 5.0e-3, weight_decay: 0.01, max_grad_norm: 1.0}
            schedule: {type: cosine, warmup_steps: 2}
            training: {max_steps: 8, batch_size: 4, gradient_accumulation_steps: 2, eval_every: 4,
                       checkpoint_every: 4}
            """;

    /** The steps of the rollback tests: 14 spikes, back to 12, step 13 replayed. */
    private static final Integer[] STEPS_WITH_REPLAY = {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 14, 15, 16, 17, 18, 19, 20
    };

    private static TrainingConfig loraChat(Path output) throws Exception {
        return RecipeFixtures.config(
                "sft", "tiny_chat_train.jsonl", "tiny_chat_validation.jsonl", output, LORA_CHAT);
    }

    @Test
    void shouldLowerLossAndReportEveryEventWhenTrainingLoraOnChat(@TempDir Path output)
            throws Exception {
        RecipeFixtures.Recorder events = new RecipeFixtures.Recorder();

        TrainingResult result = new SftRecipe(loraChat(output)).run(events);

        var validations = events.of(TrainingEvent.ValidationMetrics.class);
        assertThat(validations)
                .extracting(TrainingEvent.ValidationMetrics::step)
                .containsExactly(4, 8);
        assertThat(validations.get(1).loss()).isLessThan(validations.get(0).loss());
        assertThat(validations.get(1).tokenAccuracy()).isBetween(0.0, 1.0);
        List<Double> losses = events.trainLosses();
        assertThat(losses).hasSize(8);
        assertThat(losses.get(7)).isLessThan(losses.get(0));
        var steps = events.of(TrainingEvent.StepMetrics.class);
        assertThat(steps.get(0).learningRate()).isEqualTo(2.5e-3);
        assertThat(steps).allMatch(s -> s.tokensPerSecond() > 0 && s.gradNorm() > 0);
        assertThat(events.of(TrainingEvent.CheckpointSaved.class))
                .extracting(TrainingEvent.CheckpointSaved::step)
                .containsExactly(4, 8);
        assertThat(events.events.get(0)).isInstanceOf(TrainingEvent.ModelLoaded.class);
        assertThat(events.events.get(1)).isInstanceOf(TrainingEvent.TrainingStarted.class);
        assertThat(events.events.get(events.events.size() - 1))
                .isInstanceOf(TrainingEvent.TrainingFinished.class);
        assertThat(result.steps()).isEqualTo(8);
        assertThat(result.validationLoss()).isEqualTo(validations.get(1).loss());
        Path weights = result.checkpoint().resolve(TrainingState.WEIGHTS_FILE);
        assertThat(SafetensorsFile.open(weights).tensors().keySet())
                .hasSize(70)
                .contains("model.layers.0.self_attn.q_proj.lora_A.weight");
    }

    @Test
    void shouldGiveSameLossCurveWhenRunTwiceWithSameSeed(@TempDir Path output) throws Exception {
        RecipeFixtures.Recorder first = new RecipeFixtures.Recorder();
        RecipeFixtures.Recorder second = new RecipeFixtures.Recorder();

        new SftRecipe(loraChat(output.resolve("a"))).run(first, new RunOptions(null, 5));
        new SftRecipe(loraChat(output.resolve("b"))).run(second, new RunOptions(null, 5));

        assertThat(first.trainLosses()).hasSize(5).isEqualTo(second.trainLosses());
    }

    /** Point 6 of issue 3: stop at step k, resume, and every later loss is the same. */
    @Test
    void shouldGiveSameLossesWhenStoppedAndResumedFromCheckpoint(@TempDir Path output)
            throws Exception {
        RecipeFixtures.Recorder straight = new RecipeFixtures.Recorder();
        new SftRecipe(loraChat(output.resolve("straight"))).run(straight);

        TrainingConfig interrupted = loraChat(output.resolve("interrupted"));
        TrainingResult stopped =
                new SftRecipe(interrupted).run(TrainingListener.NONE, new RunOptions(null, 3));
        RecipeFixtures.Recorder resumed = new RecipeFixtures.Recorder();
        new SftRecipe(interrupted).run(resumed, RunOptions.resumeFrom(stopped.checkpoint()));

        assertThat(stopped.steps()).isEqualTo(3);
        List<Double> expected = straight.trainLosses().subList(3, 8);
        assertThat(resumed.trainLosses()).hasSize(5);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(resumed.trainLosses().get(i)).isCloseTo(expected.get(i), within(1e-5));
        }
        assertThat(resumed.of(TrainingEvent.StepMetrics.class).get(0).step()).isEqualTo(4);
    }

    /**
     * Point 5 of issue 3: a poisoned batch (an answer of noise, at step 14 of an unshuffled set)
     * makes the loss spike; training rolls back to the snapshot of step 12 with half the learning
     * rate, which recovers over the next two steps, replays step 13's batch and skips step 14's.
     * Its final validation loss is within 1% of a run on clean data and far below that of the same
     * poisoned run without the guard.
     */
    @Test
    void shouldRollBackAndSkipPoisonedBatchWhenLossSpikes(@TempDir Path output) throws Exception {
        writeData(output);

        RecipeFixtures.Recorder guarded = new RecipeFixtures.Recorder();
        TrainingResult withGuard =
                new SftRecipe(stabilityConfig(output, "poisoned.jsonl", 2.0, 0.5)).run(guarded);
        TrainingResult withoutPoison =
                new SftRecipe(stabilityConfig(output, "clean.jsonl", 2.0, 0.5))
                        .run(TrainingListener.NONE);
        TrainingResult withoutGuard =
                new SftRecipe(stabilityConfig(output, "poisoned.jsonl", 0, 0.5))
                        .run(TrainingListener.NONE);

        var rollbacks = guarded.of(TrainingEvent.RolledBack.class);
        assertThat(rollbacks).hasSize(1);
        assertThat(rollbacks.get(0).step()).isEqualTo(14);
        assertThat(rollbacks.get(0).restoredStep()).isEqualTo(12);
        assertThat(rollbacks.get(0).loss()).isGreaterThan(2 * rollbacks.get(0).runningMean());
        assertThat(rollbacks.get(0).learningRateScale()).isEqualTo(0.5);
        // The replay: step 13 again, on the same batch from the same weights, then on to 20.
        assertThat(steps(guarded)).containsExactly(STEPS_WITH_REPLAY);
        assertThat(guarded.trainLosses().get(13)).isEqualTo(guarded.trainLosses().get(12));
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState last = TrainingState.load(withGuard.checkpoint(), manager)) {
            assertThat(last.progress().skippedBatches()).containsExactly(new DataPosition(0, 26));
        }
        // Measured: guarded 1.1805, clean 1.1701, unguarded 1.4742. Not quite the clean run's: of
        // the 0.0104, 0.0008 is the clean row that shared the poison's batch and was skipped with
        // it, 0.0096 the halved learning rate of steps 13 and 14 (the next test shows the rest of
        // the run is exact). Without the learning rate's recovery the guarded run ends at 1.2075.
        assertThat(withGuard.validationLoss())
                .isLessThanOrEqualTo(withoutPoison.validationLoss() * 1.01)
                .isLessThan(withoutGuard.validationLoss() - 0.1);
    }

    /**
     * With the learning rate left as it was ({@code lr_backoff: 1}), rollback and replay train
     * exactly as a run on data without the skipped batch: the poison and the clean row beside it.
     * Both end at 1.1709 (the clean run at 1.1701).
     */
    @Test
    void shouldTrainAsWithoutSkippedBatchWhenRollbackKeepsLearningRate(@TempDir Path output)
            throws Exception {
        writeData(output);

        RecipeFixtures.Recorder guarded = new RecipeFixtures.Recorder();
        TrainingResult withGuard =
                new SftRecipe(stabilityConfig(output, "poisoned.jsonl", 2.0, 1.0)).run(guarded);
        RecipeFixtures.Recorder withoutBatch = new RecipeFixtures.Recorder();
        TrainingResult skippedBatchRemoved =
                new SftRecipe(stabilityConfig(output, "without-batch.jsonl", 2.0, 1.0))
                        .run(withoutBatch);

        assertThat(guarded.of(TrainingEvent.RolledBack.class)).hasSize(1);
        assertThat(steps(guarded)).containsExactly(STEPS_WITH_REPLAY);
        List<Double> replayed = new ArrayList<>(guarded.trainLosses());
        replayed.remove(13);
        assertThat(replayed).isEqualTo(withoutBatch.trainLosses());
        assertThat(withGuard.validationLoss())
                .isCloseTo(skippedBatchRemoved.validationLoss(), within(1e-6));
    }

    /**
     * Exact resume across a rollback: with the poison at step 15, the replay writes checkpoint 13
     * again, before the batch to skip; a run resumed from it skips that batch too and trains as the
     * run that wrote it.
     */
    @Test
    void shouldResumeExactlyWhenCheckpointPrecedesSkippedBatch(@TempDir Path output)
            throws Exception {
        writeData(output);
        TrainingConfig config = stabilityConfig(output, "poisoned-later.jsonl", 2.0, 0.5);

        RecipeFixtures.Recorder straight = new RecipeFixtures.Recorder();
        new SftRecipe(config).run(straight);
        RecipeFixtures.Recorder resumed = new RecipeFixtures.Recorder();
        new SftRecipe(config)
                .run(resumed, RunOptions.resumeFrom(config.outputDir().resolve("checkpoint-13")));

        var rollbacks = straight.of(TrainingEvent.RolledBack.class);
        assertThat(rollbacks).hasSize(1);
        assertThat(rollbacks.get(0).step()).isEqualTo(15);
        assertThat(rollbacks.get(0).restoredStep()).isEqualTo(12);
        assertThat(resumed.of(TrainingEvent.RolledBack.class)).isEmpty();
        assertThat(steps(resumed)).containsExactly(14, 15, 16, 17, 18, 19, 20);
        List<Double> losses = straight.trainLosses();
        List<Double> expected = losses.subList(losses.size() - 7, losses.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(resumed.trainLosses().get(i)).isCloseTo(expected.get(i), within(1e-5));
        }
    }

    private static List<Integer> steps(RecipeFixtures.Recorder recorder) {
        return recorder.of(TrainingEvent.StepMetrics.class).stream()
                .map(TrainingEvent.StepMetrics::step)
                .toList();
    }

    /**
     * Writes the clean training set, the poisoned one (the poison at row 26, which with batches of
     * two shares step 14's batch with the clean row 26), the clean one without that row, and one
     * poisoned at row 28 (step 15).
     */
    private static void writeData(Path output) throws Exception {
        List<String> clean =
                Files.readAllLines(RecipeFixtures.DATA.resolve("tiny_chat_train.jsonl"));
        List<String> poisoned = new ArrayList<>(clean);
        poisoned.add(26, poisonLine());
        List<String> withoutBatch = new ArrayList<>(clean);
        withoutBatch.remove(26);
        List<String> poisonedLater = new ArrayList<>(clean);
        poisonedLater.add(28, poisonLine());
        Files.write(output.resolve("clean.jsonl"), clean);
        Files.write(output.resolve("poisoned.jsonl"), poisoned);
        Files.write(output.resolve("without-batch.jsonl"), withoutBatch);
        Files.write(output.resolve("poisoned-later.jsonl"), poisonedLater);
    }

    private static TrainingConfig stabilityConfig(
            Path output, String train, double spikeFactor, double lrBackoff) throws Exception {
        String yaml =
                """
                method: sft
                model: %s
                output_dir: %s
                seed: 3
                data: {train: %s, validation: %s, max_seq_length: 96, packing: false,
                       shuffle: false}
                lora: {r: 4, alpha: 8}
                optimizer: {lr: 1.0e-2, max_grad_norm: 0}
                schedule: {type: cosine, min_lr_ratio: 0.1}
                training: {max_steps: 20, batch_size: 2, checkpoint_every: 13}
                stability: {spike_factor: %s, spike_window: 10, min_history: 3, snapshot_every: 4,
                            lr_backoff: %s, lr_recovery_steps: 2}
                """
                        .formatted(
                                Stories260K.DIR.toAbsolutePath(),
                                output.resolve("out-" + train + spikeFactor + lrBackoff),
                                output.resolve(train),
                                RecipeFixtures.DATA
                                        .resolve("tiny_chat_validation.jsonl")
                                        .toAbsolutePath(),
                                spikeFactor,
                                lrBackoff);
        return TrainingConfig.parse(yaml);
    }

    /** A chat whose answer is noise the model finds very unlikely (byte-fallback tokens). */
    private static String poisonLine() {
        Random random = new Random(11);
        StringBuilder noise = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            noise.append((char) (0x0400 + random.nextInt(0x100)));
        }
        return "{\"messages\": [{\"role\": \"user\", \"content\": \"Who is Tim?\"},"
                + " {\"role\": \"assistant\", \"content\": \""
                + noise
                + "\"}]}";
    }
}
