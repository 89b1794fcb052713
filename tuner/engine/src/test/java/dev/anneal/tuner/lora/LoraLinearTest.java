package dev.anneal.tuner.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LoraLinearTest {

    private static LoraLinear projection(NDManager manager, LoraConfig config) {
        LoraLinear linear =
                new LoraLinear("model.layers.0.self_attn.q_proj", 3, 2, true, config, manager);
        linear.getParameters()
                .get("weight")
                .setArray(manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3)));
        linear.getParameters().get("bias").setArray(manager.create(new float[] {0.5f, -0.5f}));
        return linear;
    }

    @Test
    void shouldEqualBaseProjectionWhenInitialisedLikePeft() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraLinear linear =
                    projection(
                            manager, LoraConfig.rank(2).withAlpha(4).withTargetModules("q_proj"));
            linear.initialise(manager, new Random(1));
            NDArray x = manager.create(new float[] {1, 0, -1}, new Shape(1, 3));

            NDArray y = linear.forward(new ParameterStore(manager, false), x, false);

            assertThat(y.toFloatArray()).containsExactly(-1.5f, -2.5f);
            float[] a = linear.loraA().getArray().toFloatArray();
            for (float value : a) {
                assertThat(Math.abs(value)).isLessThanOrEqualTo((float) (1 / Math.sqrt(3)));
            }
            assertThat(linear.loraB().getArray().toFloatArray()).containsOnly(0f);
        }
    }

    @Test
    void shouldAddScaledLowRankUpdateWhenAdapterIsSet() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraLinear linear =
                    projection(
                            manager, LoraConfig.rank(1).withAlpha(3).withTargetModules("q_proj"));
            linear.setAdapterWeights(
                    manager.create(new float[] {1, 1, 1}, new Shape(1, 3)),
                    manager.create(new float[] {1, -2}, new Shape(2, 1)));
            NDArray x = manager.create(new float[] {1, 2, 3}, new Shape(1, 3));

            NDArray y = linear.forward(new ParameterStore(manager, false), x, false);

            // base: [14.5, 31.5]; update: 3 * (x . A) * B = 3 * 6 * [1, -2]
            assertThat(y.toFloatArray()).containsExactly(new float[] {32.5f, -4.5f}, within(1e-5f));
        }
    }

    @Test
    void shouldNameHuggingFaceAndPeftTensorsWhenPutOnModel() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections =
                    new LoraProjections(
                            LoraConfig.rank(2)
                                    .withAlpha(4)
                                    .withTargetModules("q_proj", "down_proj"),
                            manager);
            LlamaForCausalLM model = HfModelLoader.load(Stories260K.DIR, manager, projections);

            assertThat(projections.adapters()).hasSize(10);
            assertThat(model.stateDict())
                    .containsKeys(
                            "model.layers.0.self_attn.q_proj.weight",
                            "model.layers.0.self_attn.q_proj.lora_A.weight",
                            "model.layers.4.mlp.down_proj.lora_B.weight")
                    .doesNotContainKey("model.layers.0.self_attn.k_proj.lora_A.weight");
        }
    }

    @Test
    void shouldNameKeyWhenConfigIsInvalid() {
        assertThatThrownBy(() -> LoraConfig.rank(0)).hasMessageContaining("lora.r");
        assertThatThrownBy(() -> LoraConfig.rank(4).withDropout(1.0))
                .hasMessageContaining("lora.dropout");
        assertThatThrownBy(() -> LoraConfig.rank(4).withTargetModules("qkv"))
                .hasMessageContaining("lora.target_modules")
                .hasMessageContaining("qkv");
    }

    @Test
    void shouldKeepOneSpellingOfModuleNamesWhenTargetsAreGiven() {
        assertThat(
                        LoraConfig.rank(4)
                                .withTargetModules("q_proj", "q_proj", "up_proj")
                                .targetModules())
                .containsExactly("q_proj", "up_proj");
        assertThatThrownBy(() -> LoraConfig.rank(4).withTargetModules("q"))
                .hasMessageContaining("'q'")
                .hasMessageContaining("q_proj");
    }
}
