package dev.anneal.tuner.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.store.job.JobError;
import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.TrainingDataTooLargeException;
import dev.anneal.tuner.train.TrainingDivergedException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What a tenant is told when its job fails on the worker. */
class JobRunTest {

    private static final Path WORK = Path.of("/srv/anneal/work/ftjob-1-1");

    @Test
    void shouldBlameTheTrainingFileWhenTheDataIsInvalid() {
        JobError error =
                JobRun.errorOf(
                        new InvalidTrainingDataException(
                                        "messages[0].role", "'robot' is not system")
                                .at(WORK + "/train.jsonl example 3"),
                        WORK,
                        null);

        assertThat(error.code()).isEqualTo("invalid_training_file");
        assertThat(error.param()).isEqualTo("training_file");
        assertThat(error.message())
                .isEqualTo("train.jsonl example 3: messages[0].role: 'robot' is not system");
    }

    @Test
    void shouldSayTrainingDivergedWhenTheGuardGivesUp() {
        JobError error = JobRun.errorOf(new TrainingDivergedException("5 rollbacks"), WORK, null);

        assertThat(error.code()).isEqualTo("training_diverged");
    }

    @Test
    void shouldNameOnlyAnIncidentWhenTheEngineFails() {
        JobError error =
                JobRun.errorOf(
                        new IllegalArgumentException("data.max_seq_length (4096) exceeds"),
                        WORK,
                        "incident-abc");

        assertThat(error.code()).isEqualTo("internal_error");
        assertThat(error.param()).isNull();
        assertThat(error.message())
                .contains("incident-abc")
                .doesNotContain("IllegalArgumentException")
                .doesNotContain("max_seq_length");
    }

    @Test
    void shouldNameOnlyAnIncidentWhenTheWorkerRunsOutOfMemory() {
        JobError error =
                JobRun.errorOf(new OutOfMemoryError("Java heap space"), WORK, "incident-def");

        assertThat(error.code()).isEqualTo("internal_error");
        assertThat(error.message()).contains("incident-def").doesNotContain("heap");
    }

    @Test
    void shouldPointAtTheTrainingFileWhenItsDataDoesNotFitTheWorker() {
        JobError error =
                JobRun.errorOf(new TrainingDataTooLargeException(1200, 64L << 20), WORK, null);

        assertThat(error.code()).isEqualTo("insufficient_memory");
        assertThat(error.param()).isEqualTo("training_file");
        assertThat(error.message()).contains("first 1200 examples").contains("64 MiB");
    }
}
