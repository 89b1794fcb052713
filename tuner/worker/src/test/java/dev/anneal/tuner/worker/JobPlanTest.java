package dev.anneal.tuner.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.store.file.format.DatasetFormat;
import dev.anneal.store.job.JobMethod;
import dev.anneal.store.job.JobSpec;
import dev.anneal.store.job.TrainingType;
import dev.anneal.tuner.train.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobPlanTest {

    private static JobSpec spec(JobSpec.Lora lora, int epochs, int batch, int checkpointEvery) {
        return new JobSpec(
                JobMethod.SUPERVISED,
                lora == null ? TrainingType.FULL : TrainingType.LORA,
                epochs,
                batch,
                1.0,
                2e-4,
                lora,
                256,
                true,
                false,
                checkpointEvery,
                null);
    }

    @Test
    void shouldCoverTheEpochsWithStepsRoundedUpWhenBatchesDoNotDivideEvenly() {
        assertThat(JobPlan.steps(spec(null, 3, 4, 50), 10)).isEqualTo(8); // ceil(30 / 4)
        assertThat(JobPlan.steps(spec(null, 1, 8, 50), 3)).isEqualTo(1);
    }

    @Test
    void shouldPlanALoraRecipeOnTheHuggingFaceModuleNamesWhenTheJobIsLora() {
        TrainingConfig config =
                JobPlan.trainingConfig(
                        spec(
                                new JobSpec.Lora(8, 16, 0.05, List.of("q_proj", "gate_proj")),
                                2,
                                2,
                                100),
                        42,
                        Path.of("model"),
                        Path.of("train.jsonl"),
                        null,
                        DatasetFormat.CHAT,
                        10,
                        Path.of("out"));

        assertThat(config.method()).isEqualTo(TrainingConfig.Method.SFT);
        assertThat(config.lora().targetModules()).containsExactly("q_proj", "gate_proj");
        assertThat(config.training().maxSteps()).isEqualTo(10);
        assertThat(config.training().checkpointEvery()).isEqualTo(10);
        assertThat(config.training().evalEvery()).isZero();
        assertThat(config.optimizer().lr()).isEqualTo(2e-4);
    }

    @Test
    void shouldPlanContinuedPretrainingEvaluatedAboutTenTimesWhenDataIsTextWithAValidationFile() {
        TrainingConfig config =
                JobPlan.trainingConfig(
                        spec(null, 10, 1, 5),
                        1,
                        Path.of("model"),
                        Path.of("train.jsonl"),
                        Path.of("valid.jsonl"),
                        DatasetFormat.TEXT,
                        10,
                        Path.of("out"));

        assertThat(config.method()).isEqualTo(TrainingConfig.Method.PRETRAIN);
        assertThat(config.lora()).isNull();
        assertThat(config.training().maxSteps()).isEqualTo(100);
        assertThat(config.training().evalEvery()).isEqualTo(10);
        assertThat(config.training().checkpointEvery()).isEqualTo(5);
    }
}
