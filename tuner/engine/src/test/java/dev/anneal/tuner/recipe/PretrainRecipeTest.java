package dev.anneal.tuner.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import dev.anneal.tuner.train.TrainingState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainRecipeTest {

    private static final String FULL_TEXT =
            """
            seed: 5
            DATA:
              max_seq_length: 48
              packing: true
            optimizer: {lr: 2.0e-3, weight_decay: 0.1}
            schedule: {type: linear, warmup_steps: 1}
            training: {max_steps: 6, batch_size: 4, gradient_accumulation_steps: 1, eval_every: 3,
                       checkpoint_every: 3}
            """;

    private static TrainingConfig fullText(Path output) throws Exception {
        return RecipeFixtures.config(
                "pretrain",
                "tiny_text_train.jsonl",
                "tiny_text_validation.jsonl",
                output,
                FULL_TEXT);
    }

    @Test
    void shouldLowerLossAndSaveEveryWeightWhenPretrainingFullModelOnText(@TempDir Path output)
            throws Exception {
        RecipeFixtures.Recorder events = new RecipeFixtures.Recorder();

        TrainingResult result = new PretrainRecipe(fullText(output)).run(events);

        var started = events.of(TrainingEvent.TrainingStarted.class).get(0);
        assertThat(started.lora()).isFalse();
        assertThat(started.trainableParameters()).isEqualTo(started.totalParameters());
        assertThat(started.trainData().split()).isPositive();
        assertThat(started.trainData().countedTokens()).isEqualTo(started.trainData().positions());
        var validations = events.of(TrainingEvent.ValidationMetrics.class);
        assertThat(validations).hasSize(2);
        assertThat(validations.get(1).loss()).isLessThan(validations.get(0).loss());
        assertThat(
                        SafetensorsFile.open(
                                        result.checkpoint().resolve(TrainingState.WEIGHTS_FILE))
                                .tensors())
                .hasSize(47);
        assertThat(
                        SafetensorsFile.open(
                                        result.checkpoint().resolve(TrainingState.OPTIMIZER_FILE))
                                .tensors())
                .hasSize(94);
    }

    /** Point 6 of issue 3 for full fine-tuning: every weight and both moments are restored. */
    @Test
    void shouldGiveSameLossesWhenFullRunIsStoppedAndResumed(@TempDir Path output) throws Exception {
        RecipeFixtures.Recorder straight = new RecipeFixtures.Recorder();
        new PretrainRecipe(fullText(output.resolve("straight"))).run(straight);

        TrainingConfig interrupted = fullText(output.resolve("interrupted"));
        TrainingResult stopped =
                new PretrainRecipe(interrupted).run(TrainingListener.NONE, new RunOptions(null, 2));
        RecipeFixtures.Recorder resumed = new RecipeFixtures.Recorder();
        new PretrainRecipe(interrupted).run(resumed, RunOptions.resumeFrom(stopped.checkpoint()));

        List<Double> expected = straight.trainLosses().subList(2, 6);
        assertThat(resumed.trainLosses()).hasSize(4);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(resumed.trainLosses().get(i)).isCloseTo(expected.get(i), within(1e-5));
        }
    }

    @Test
    void shouldRefuseChatDataWhenMethodIsPretrain(@TempDir Path output) throws Exception {
        TrainingConfig config =
                RecipeFixtures.config(
                        "pretrain",
                        "tiny_chat_train.jsonl",
                        null,
                        output,
                        "DATA:\ntraining: {max_steps: 1}\n");

        assertThatThrownBy(() -> new PretrainRecipe(config).run(TrainingListener.NONE))
                .isInstanceOf(InvalidTrainingDataException.class)
                .hasMessageContaining("method pretrain takes text data");
    }
}
