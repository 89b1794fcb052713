package dev.anneal.tuner.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.tuner.nano.AnnealNano;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What makes a folder a usable base model, as checked before it is registered or listed. */
class BaseModelRegistryTest {

    private static final Path STORIES_260K = Path.of("..", "engine", "models", "stories260K");

    @TempDir Path dir;

    @Test
    void shouldFindNoProblemWhenTheFolderIsACompleteHuggingFaceModel() {
        assertThat(BaseModelRegistry.problemWith(STORIES_260K)).isNull();
    }

    @Test
    void shouldNameWhatIsMissingWhenTheFolderOrItsConfigIsMissing() throws IOException {
        assertThat(BaseModelRegistry.problemWith(dir.resolve("nope"))).isEqualTo("no such folder");
        assertThat(BaseModelRegistry.problemWith(Files.createDirectories(dir.resolve("empty"))))
                .startsWith("config.json: ");
    }

    @Test
    void shouldNameTheMissingTensorWhenTheWeightsDoNotFitTheConfig() throws IOException {
        Path nano = AnnealNano.materialize(dir);
        Path config = nano.resolve("config.json");
        Files.writeString(
                config,
                Files.readString(config)
                        .replaceAll("\"num_hidden_layers\"\\s*:\\s*4", "\"num_hidden_layers\": 5"));

        assertThat(BaseModelRegistry.problemWith(nano))
                .isEqualTo("the weights lack tensor model.layers.4.self_attn.q_proj.weight");
    }
}
