package dev.anneal.tuner.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.tuner.data.LineFormat;
import dev.anneal.tuner.optim.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class TrainingConfigTest {

    private static final String MINIMAL =
            """
            method: sft
            model: models/tiny
            output_dir: runs/tiny
            data: {train: data/train.jsonl}
            training: {max_steps: 10}
            """;

    @Test
    void shouldParseEveryExampleRecipeWhenShippedInRecipesFolder() throws Exception {
        List<Path> recipes;
        try (Stream<Path> files = Files.list(Path.of("recipes"))) {
            recipes = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }

        assertThat(recipes).isNotEmpty();
        for (Path recipe : recipes) {
            assertThat(Files.readString(recipe)).contains("./anneal train tuner/engine/recipes/");
            TrainingConfig config = TrainingConfig.load(recipe);
            assertThat(Path.of("..", "..").resolve(config.data().train()))
                    .as(recipe.toString())
                    .exists();
        }
        TrainingConfig lora = TrainingConfig.load(Path.of("recipes", "stories260k_lora.yaml"));
        assertThat(lora.lora().r()).isEqualTo(8);
        assertThat(lora.lora().targetModules()).hasSize(7);
        assertThat(lora.data().format()).isEqualTo(LineFormat.CHAT);
        assertThat(lora.optimizer().lr()).isEqualTo(3e-3);
        assertThat(TrainingConfig.load(Path.of("recipes", "stories260k_full.yaml")).lora())
                .isNull();
    }

    @Test
    void shouldApplyDefaultsWhenOnlyRequiredKeysAreGiven() throws Exception {
        TrainingConfig config = TrainingConfig.parse(MINIMAL);

        assertThat(config.seed()).isEqualTo(42);
        assertThat(config.lora()).isNull();
        assertThat(config.data().maxSeqLength()).isEqualTo(512);
        assertThat(config.data().packing()).isTrue();
        assertThat(config.schedule().type()).isEqualTo(LrSchedule.Type.COSINE);
        assertThat(config.training().batchSize()).isEqualTo(8);
        assertThat(config.stability()).isEqualTo(StabilityConfig.DEFAULT);
    }

    @Test
    void shouldNameKeyWhenValueIsInvalid() {
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL + "optimizer: {lr: -1}\n"))
                .hasMessageContaining("optimizer.lr");
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL + "optimizer: {lr: fast}\n"))
                .hasMessageContaining("optimizer.lr");
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL + "lora: {r: 0}\n"))
                .hasMessageContaining("lora.r");
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL + "schedule: {warmup_steps: 11}\n"))
                .hasMessageContaining("schedule.warmup_steps");
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL + "stability: {lr_backoff: 2}\n"))
                .hasMessageContaining("stability.lr_backoff");
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL.replace("sft", "kto")))
                .hasMessageContaining("method");
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL.replace("max_steps: 10", "")))
                .hasMessageContaining("training.max_steps");
    }

    @Test
    void shouldNameKeyWhenKeyIsUnknown() {
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL + "optimizer: {learning_rate: 1}\n"))
                .hasMessageContaining("optimizer.learning_rate");
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL + "epochs: 3\n"))
                .hasMessageContaining("epochs");
    }

    @Test
    void shouldRejectTextDataWhenMethodIsSft() {
        assertThatThrownBy(
                        () ->
                                TrainingConfig.parse(
                                        MINIMAL.replace(
                                                "data: {train: data/train.jsonl}",
                                                "data: {train: a.jsonl, format: text}")))
                .hasMessageContaining("data.format");
    }

    @Test
    void shouldReadBetaWhenMethodIsDpo() throws Exception {
        String dpo = MINIMAL.replace("method: sft", "method: dpo");

        assertThat(TrainingConfig.parse(dpo).dpo()).isEqualTo(DpoConfig.DEFAULT);
        assertThat(TrainingConfig.parse(dpo + "dpo: {beta: 0.25}\n").dpo().beta()).isEqualTo(0.25);
        assertThat(TrainingConfig.parse(MINIMAL).dpo()).isNull();
    }

    @Test
    void shouldRejectDpoSettingsWhenInvalidOrMisplaced() {
        String dpo = MINIMAL.replace("method: sft", "method: dpo");

        assertThatThrownBy(() -> TrainingConfig.parse(dpo + "dpo: {beta: 0}\n"))
                .hasMessageContaining("dpo.beta");
        assertThatThrownBy(() -> TrainingConfig.parse(dpo + "dpo: {beta: 0.1, gamma: 1}\n"))
                .hasMessageContaining("dpo.gamma");
        assertThatThrownBy(() -> TrainingConfig.parse(MINIMAL + "dpo: {beta: 0.1}\n"))
                .hasMessageContaining("dpo");
        assertThatThrownBy(
                        () ->
                                TrainingConfig.parse(
                                        dpo.replace(
                                                "data: {train: data/train.jsonl}",
                                                "data: {train: a.jsonl, format: chat}")))
                .hasMessageContaining("data.format");
        assertThatThrownBy(
                        () ->
                                TrainingConfig.parse(
                                        MINIMAL.replace(
                                                "data: {train: data/train.jsonl}",
                                                "data: {train: a.jsonl, format: preference}")))
                .hasMessageContaining("method dpo");
        assertThatThrownBy(
                        () ->
                                TrainingConfig.parse(
                                        dpo.replace(
                                                "data: {train: data/train.jsonl}",
                                                "data: {train: a.jsonl, train_on_inputs: true}")))
                .hasMessageContaining("data.train_on_inputs");
    }
}
