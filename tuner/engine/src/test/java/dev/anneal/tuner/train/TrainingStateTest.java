package dev.anneal.tuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.data.DataPosition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingStateTest {

    @Test
    void shouldSkipNoBatchWhenCheckpointPredatesSkippedBatches(@TempDir Path checkpoint)
            throws Exception {
        SafetensorsFile.write(checkpoint.resolve(TrainingState.WEIGHTS_FILE), Map.of(), Map.of());
        SafetensorsFile.write(checkpoint.resolve(TrainingState.OPTIMIZER_FILE), Map.of(), Map.of());
        Files.writeString(
                checkpoint.resolve(TrainingState.STATE_FILE),
                """
                {"step": 4, "optimizer_steps": 4, "learning_rate_scale": 1.0, "data_epoch": 0,
                 "data_cursor": 8, "recent_losses": [1.5], "rollbacks": 0, "seed": 3}
                """);

        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = TrainingState.load(checkpoint, manager)) {
            assertThat(state.progress().data()).isEqualTo(new DataPosition(0, 8));
            assertThat(state.progress().skippedBatches()).isEmpty();
        }
    }
}
