package dev.anneal.tuner.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingMemoryTest {

    private static final long GIB = 1L << 30;

    @TempDir Path dir;

    /** Llama 2 7B's shape. */
    private BaseModel llama7b() throws Exception {
        Files.writeString(
                dir.resolve("config.json"),
                """
                {"model_type": "llama", "architectures": ["LlamaForCausalLM"],
                 "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
                 "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000,
                 "max_position_embeddings": 4096, "rms_norm_eps": 1e-5}
                """);
        return new BaseModel(
                "llama-7b",
                dir,
                BaseModel.Source.REGISTERED,
                "",
                Instant.now(),
                "llama",
                4096,
                List.of("q_proj", "v_proj"));
    }

    @Test
    void shouldCountWeightsGradientsAndBothMomentsForFullFineTuning() throws Exception {
        TrainingMemory full =
                TrainingMemory.estimate(llama7b(), true, 0, List.of(), 1, 512, 0).orElseThrow();

        // 6.74B parameters: 4 bytes of weights, 12 of gradients and AdamW moments
        assertThat(full.weights()).isBetween(25 * GIB, 26 * GIB);
        assertThat(full.optimizer()).isEqualTo(3 * full.weights());
    }

    @Test
    void shouldCountOnlyTheAdapterAsTrainedForLora() throws Exception {
        TrainingMemory lora =
                TrainingMemory.estimate(
                                llama7b(), false, 8, List.of("q_proj", "v_proj"), 4, 1024, 0)
                        .orElseThrow();

        // r × (in + out) × 2 projections × 32 layers = 4,194,304 parameters, 12 bytes each
        assertThat(lora.optimizer()).isEqualTo(12L * 8 * (4096 + 4096) * 2 * 32);
        assertThat(lora.activations()).isGreaterThan(GIB);
    }

    @Test
    void shouldEstimateNothingWhenTheModelFolderIsNotHere() {
        BaseModel absent =
                new BaseModel(
                        "absent",
                        dir.resolve("missing"),
                        BaseModel.Source.BUILTIN,
                        "",
                        Instant.now(),
                        "llama",
                        512,
                        List.of());

        assertThat(TrainingMemory.estimate(absent, true, 0, List.of(), 1, 8, 0)).isEmpty();
    }
}
