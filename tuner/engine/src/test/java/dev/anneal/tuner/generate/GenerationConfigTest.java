package dev.anneal.tuner.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationConfigTest {

    @TempDir Path dir;

    @Test
    void shouldNameOptionWhenValueIsInvalid() {
        assertThatThrownBy(() -> GenerationConfig.builder().optTopP(0f).build())
                .hasMessageContaining("topP");
        assertThatThrownBy(() -> GenerationConfig.builder().optTemperature(-1f).build())
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> GenerationConfig.builder().optMaxNewTokens(0).build())
                .hasMessageContaining("maxNewTokens");
        assertThatThrownBy(() -> GenerationConfig.builder().optTopK(-1).build())
                .hasMessageContaining("topK");
    }

    @Test
    void shouldApplySamplingSettingsWhenGenerationConfigSetsDoSample() throws Exception {
        Files.writeString(
                dir.resolve("generation_config.json"),
                "{\"do_sample\": true, \"temperature\": 0.6, \"top_p\": 0.9,"
                        + " \"eos_token_id\": [128001, 128009], \"max_new_tokens\": 256}");

        GenerationConfig config = GenerationConfig.defaultsFrom(dir).build();

        assertThat(config.temperature()).isEqualTo(0.6f);
        assertThat(config.topP()).isEqualTo(0.9f);
        assertThat(config.topK()).isEqualTo(50);
        assertThat(config.eosTokenIds()).containsExactlyInAnyOrder(128001L, 128009L);
        assertThat(config.maxNewTokens()).isEqualTo(256);
    }

    @Test
    void shouldFallBackToConfigEosWhenGenerationConfigIsAbsent() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 2}");

        GenerationConfig config = GenerationConfig.defaultsFrom(dir).build();

        assertThat(config.eosTokenIds()).containsExactly(2L);
        assertThat(config.greedy()).isTrue();
    }
}
