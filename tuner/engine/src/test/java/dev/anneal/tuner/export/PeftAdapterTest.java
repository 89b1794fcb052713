package dev.anneal.tuner.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.CheckpointException;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraLinear;
import dev.anneal.tuner.lora.LoraProjections;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterTest {

    static final LoraConfig CONFIG =
            LoraConfig.rank(4)
                    .withAlpha(8)
                    .withDropout(0.05)
                    .withTargetModules("q_proj", "v_proj", "down_proj");

    /** Gives every adapter non-zero random A and B, so that the update changes the logits. */
    static void randomise(LoraProjections projections, NDManager manager, long seed) {
        projections.initialise(seed);
        Random random = new Random(seed);
        for (LoraLinear adapter : projections.adapters()) {
            Shape a = adapter.loraA().getArray().getShape();
            Shape b = adapter.loraB().getArray().getShape();
            adapter.setAdapterWeights(
                    manager.create(gaussian(random, a.size(), 0.2f), a),
                    manager.create(gaussian(random, b.size(), 0.2f), b));
        }
    }

    private static float[] gaussian(Random random, long size, float scale) {
        float[] values = new float[Math.toIntExact(size)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    /** The logits of a fixed prompt, {@code [1, 6, vocab]} flattened. */
    static float[] logits(LlamaForCausalLM model) {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray ids = step.create(new long[] {1, 403, 407, 261, 378, 13}, new Shape(1, 6));
            return model.logits(ids, null).toFloatArray();
        }
    }

    @Test
    void shouldWritePeftLayoutWhenSavingAdapter(@TempDir Path dir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections = new LoraProjections(CONFIG, manager);
            HfModelLoader.load(Stories260K.DIR, manager, projections);
            randomise(projections, manager, 1);

            PeftAdapter.save(dir, projections, "stories260K");

            JsonNode json =
                    new ObjectMapper().readTree(dir.resolve(PeftAdapter.CONFIG_FILE).toFile());
            assertThat(json.path("peft_type").asText()).isEqualTo("LORA");
            assertThat(json.path("task_type").asText()).isEqualTo("CAUSAL_LM");
            assertThat(json.path("base_model_name_or_path").asText()).isEqualTo("stories260K");
            assertThat(json.path("r").isInt()).isTrue();
            assertThat(json.path("r").asInt()).isEqualTo(4);
            assertThat(json.path("lora_alpha").isIntegralNumber()).isTrue();
            assertThat(json.path("lora_alpha").asInt()).isEqualTo(8);
            assertThat(json.path("lora_dropout").asDouble()).isEqualTo(0.05);
            assertThat(json.path("target_modules"))
                    .extracting(JsonNode::asText)
                    .containsExactly("q_proj", "v_proj", "down_proj");
            assertThat(json.path("bias").asText()).isEqualTo("none");
            assertThat(json.path("fan_in_fan_out").isBoolean()).isTrue();
            assertThat(json.path("fan_in_fan_out").asBoolean()).isFalse();

            Map<String, SafetensorsFile.TensorInfo> tensors =
                    SafetensorsFile.open(dir.resolve(PeftAdapter.WEIGHTS_FILE)).tensors();
            assertThat(tensors).hasSize(5 * 3 * 2);
            assertThat(
                            tensors.get(
                                    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"))
                    .satisfies(t -> assertThat(t.shape()).isEqualTo(new Shape(4, 64)))
                    .satisfies(t -> assertThat(t.dtype()).isEqualTo("F32"));
            assertThat(
                            tensors.get(
                                            "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")
                                    .shape())
                    .isEqualTo(new Shape(64, 4));
            assertThat(
                            tensors.get(
                                            "base_model.model.model.layers.4.self_attn.v_proj.lora_B.weight")
                                    .shape())
                    .isEqualTo(new Shape(32, 4));
            assertThat(
                            tensors.get(
                                            "base_model.model.model.layers.4.mlp.down_proj.lora_A.weight")
                                    .shape())
                    .isEqualTo(new Shape(4, 172));
            assertThat(tensors.keySet())
                    .allMatch(name -> name.startsWith("base_model.model.model.layers."));
        }
    }

    @Test
    void shouldGiveSameTensorsConfigAndLogitsWhenLoadedBack(@TempDir Path dir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections = new LoraProjections(CONFIG, manager);
            LlamaForCausalLM model = HfModelLoader.load(Stories260K.DIR, manager, projections);
            randomise(projections, manager, 2);
            float[] before = logits(model);
            PeftAdapter.save(dir, projections, Stories260K.DIR.toString());

            PeftAdapter loaded = PeftAdapter.load(dir, manager);

            assertThat(loaded.config()).isEqualTo(CONFIG);
            assertThat(loaded.baseModelNameOrPath()).isEqualTo(Stories260K.DIR.toString());
            assertThat(loaded.weights()).hasSize(projections.adapters().size() * 2);
            for (LoraLinear adapter : projections.adapters()) {
                assertThat(
                                loaded.weights()
                                        .get(adapter.modulePath() + ".lora_A.weight")
                                        .toFloatArray())
                        .containsExactly(adapter.loraA().getArray().toFloatArray());
                assertThat(
                                loaded.weights()
                                        .get(adapter.modulePath() + ".lora_B.weight")
                                        .toFloatArray())
                        .containsExactly(adapter.loraB().getArray().toFloatArray());
            }
            LlamaForCausalLM reloaded = PeftAdapter.loadModel(Stories260K.DIR, dir, manager);
            float[] after = logits(reloaded);

            assertThat(after).containsExactly(before);
            assertThat(after).isNotEqualTo(logits(Stories260K.model()));
        }
    }

    @Test
    void shouldNameKeyWhenAdapterUsesUnsupportedPeftFeature(@TempDir Path dir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections = new LoraProjections(CONFIG, manager);
            HfModelLoader.load(Stories260K.DIR, manager, projections);
            randomise(projections, manager, 3);
            PeftAdapter.save(dir, projections, "stories260K");
            Path config = dir.resolve(PeftAdapter.CONFIG_FILE);
            Files.writeString(
                    config,
                    Files.readString(config)
                            .replace("\"use_rslora\" : false", "\"use_rslora\" : true"));

            assertThatThrownBy(() -> PeftAdapter.load(dir, manager))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("use_rslora");
        }
    }

    @Test
    void shouldFailNamingTensorWhenModelHasOtherTargets(@TempDir Path dir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections = new LoraProjections(CONFIG, manager);
            HfModelLoader.load(Stories260K.DIR, manager, projections);
            randomise(projections, manager, 4);
            PeftAdapter.save(dir, projections, "stories260K");
            PeftAdapter loaded = PeftAdapter.load(dir, manager);
            LoraProjections other =
                    new LoraProjections(
                            LoraConfig.rank(4).withAlpha(8).withTargetModules("q_proj", "k_proj"),
                            manager);
            HfModelLoader.load(Stories260K.DIR, manager, other);

            assertThatThrownBy(() -> loaded.applyTo(other))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("target_modules");
        }
    }
}
