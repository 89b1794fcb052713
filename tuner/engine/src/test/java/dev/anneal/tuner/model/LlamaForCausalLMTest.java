package dev.anneal.tuner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.Generator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LlamaForCausalLMTest {

    private static final long[] ONCE_UPON_A_TIME = {1, 403, 407, 261, 378};

    @Test
    void shouldNameParametersLikeHuggingFaceWhenBuilt() {
        LlamaForCausalLM model = Stories260K.model();

        assertThat(model.stateDict().keySet())
                .containsExactlyElementsOf(model.baseParameterShapes().keySet())
                .contains(
                        "model.embed_tokens.weight",
                        "model.layers.0.self_attn.q_proj.weight",
                        "model.layers.4.mlp.down_proj.weight",
                        "model.layers.4.post_attention_layernorm.weight",
                        "model.norm.weight")
                .doesNotContain("lm_head.weight")
                .hasSize(2 + 5 * 9);
    }

    @Test
    void shouldAddLmHeadAndQkvBiasesWhenQwen2IsUntied() throws Exception {
        LlamaConfig config =
                LlamaConfig.parse(
                        "{\"model_type\": \"qwen2\", \"hidden_size\": 16, \"intermediate_size\":"
                                + " 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 4,"
                                + " \"num_key_value_heads\": 2, \"vocab_size\": 50}");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaForCausalLM model =
                    LlamaForCausalLM.builder().setConfig(config).setManager(manager).build();

            assertThat(model.stateDict().keySet())
                    .containsExactlyElementsOf(model.baseParameterShapes().keySet())
                    .contains(
                            "lm_head.weight",
                            "model.layers.0.self_attn.q_proj.bias",
                            "model.layers.0.self_attn.v_proj.bias")
                    .doesNotContain("model.layers.0.self_attn.o_proj.bias");
            assertThat(model.baseParameterShapes().get("model.layers.0.self_attn.k_proj.weight"))
                    .isEqualTo(new Shape(8, 16));
        }
    }

    @Test
    void shouldGiveSameLogitsWhenContinuingFromKvCacheAsWhenRecomputing() {
        LlamaForCausalLM model = Stories260K.model();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray all = manager.create(ONCE_UPON_A_TIME, new Shape(1, 5));
            float[] full = model.logits(all, null).toFloatArray();

            float[] cached = new float[full.length];
            try (KvCache cache = model.newKvCache(manager, 1, 8)) {
                NDArray prefix = all.get(new NDIndex(":, :3"));
                System.arraycopy(model.logits(prefix, cache).toFloatArray(), 0, cached, 0, 3 * 512);
                for (int position = 3; position < 5; position++) {
                    NDArray next = all.get(new NDIndex(":, {}:{}", position, position + 1));
                    float[] step = model.logits(next, cache).toFloatArray();
                    System.arraycopy(step, 0, cached, position * 512, 512);
                }
                assertThat(cache.length()).isEqualTo(5);
            }

            for (int i = 0; i < full.length; i++) {
                assertThat(cached[i]).isCloseTo(full[i], within(1e-4f));
            }
        }
    }

    @Test
    void shouldMatchPyTorchLogitsWhenBatchHoldsTwoSequences() throws Exception {
        Path reference = Path.of("src", "test", "resources", "fixtures", "reference-gradients");
        ByteBuffer batch = tensorBytes(reference.resolve("batch.safetensors"), "input_ids");
        ByteBuffer expected = tensorBytes(reference.resolve("logits.safetensors"), "logits");
        long[] ids = new long[2 * 16];
        batch.asLongBuffer().get(ids);
        float[] pytorch = new float[2 * 16 * 512];
        expected.asFloatBuffer().get(pytorch);

        try (NDManager manager = NDManager.newBaseManager()) {
            float[] logits =
                    Stories260K.model()
                            .logits(manager.create(ids, new Shape(2, 16)), null)
                            .toFloatArray();

            for (int i = 0; i < logits.length; i++) {
                assertThat(logits[i]).isCloseTo(pytorch[i], within(1e-4f));
            }
        }
    }

    @Test
    void shouldGiveLastRowOfLogitsWhenAskedForLastOnly() {
        LlamaForCausalLM model = Stories260K.model();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray ids = manager.create(ONCE_UPON_A_TIME, new Shape(1, 5));

            NDArray all = model.logits(ids, null);
            NDArray last = model.lastLogits(ids, null);

            assertThat(all.getShape()).isEqualTo(new Shape(1, 5, 512));
            assertThat(last.getShape()).isEqualTo(new Shape(1, 512));
            assertThat(last.toFloatArray())
                    .containsExactly(all.get(new NDIndex(":, 4")).toFloatArray(), within(1e-4f));
        }
    }

    @Test
    void shouldGiveSameLogitsThroughDjlBlockForwardAsThroughCausalLm() {
        LlamaForCausalLM model = Stories260K.model();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray ids = manager.create(ONCE_UPON_A_TIME, new Shape(1, 5));

            NDArray viaBlock =
                    model.forward(new ParameterStore(manager, false), new NDList(ids), false)
                            .singletonOrThrow();

            assertThat(viaBlock.toFloatArray())
                    .containsExactly(model.logits(ids, null).toFloatArray(), within(0f));
        }
    }

    @Test
    void shouldKeepLoadedWeightsWhenInitialisedForTraining() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaForCausalLM model = HfModelLoader.load(Stories260K.DIR, manager);
            Parameter query = model.stateDict().get("model.layers.2.self_attn.q_proj.weight");
            float[] loaded = query.getArray().toFloatArray();

            model.initialize(manager, DataType.FLOAT32, new Shape(1, 5));

            assertThat(query.getArray().toFloatArray()).containsExactly(loaded);
            assertThat(query.getArray().hasGradient()).isTrue();
        }
    }

    @Test
    void shouldLeaveModelManagerUnchangedWhenGenerating() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaForCausalLM model = HfModelLoader.load(Stories260K.DIR, manager);
            Generator generator = new Generator(model, Stories260K.tokenizer());
            GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(20).build();
            generator.generate("Once upon a time", config);
            int before = manager.getManagedArrays().size();

            generator.generate("Once upon a time", config);
            generator.generate("Once upon a time", config.toBuilder().optUseKvCache(false).build());

            assertThat(manager.getManagedArrays()).hasSize(before);
        }
    }

    @Test
    void shouldGiveFiniteGradientsToEveryParameterWhenInitialisedAndTrained() throws Exception {
        LlamaConfig config =
                LlamaConfig.parse(
                        "{\"model_type\": \"llama\", \"hidden_size\": 32, \"intermediate_size\":"
                                + " 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                                + " \"num_key_value_heads\": 2, \"vocab_size\": 40,"
                                + " \"max_position_embeddings\": 16}");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaForCausalLM model =
                    LlamaForCausalLM.builder().setConfig(config).setManager(manager).build();
            model.initialize(manager, DataType.FLOAT32, new Shape(2, 6));
            ParameterStore ps = new ParameterStore(manager, false);
            try (NDManager step = manager.newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray ids = step.randomInteger(0, 40, new Shape(2, 6), DataType.INT64);
                NDArray logits = model.forward(ps, new NDList(ids), true).singletonOrThrow();
                assertThat(logits.getShape()).isEqualTo(new Shape(2, 6, 40));
                System.gc();
                collector.backward(logits.logSoftmax(2).mean());
            }

            for (Parameter parameter : model.stateDict().values()) {
                float[] gradient = parameter.getArray().getGradient().toFloatArray();
                assertThat(gradient).as(parameter.getName()).hasSizeGreaterThan(0);
                assertThat(Arrays.stream(toDoubles(gradient)).allMatch(Double::isFinite))
                        .as(parameter.getName())
                        .isTrue();
            }
        }
    }

    /** The raw little-endian bytes of one tensor, read without the reader under test. */
    private static ByteBuffer tensorBytes(Path file, String name) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) buffer.getLong();
        JsonNode offsets =
                new ObjectMapper()
                        .readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8))
                        .path(name)
                        .path("data_offsets");
        int start = 8 + headerLength + offsets.get(0).asInt();
        int end = 8 + headerLength + offsets.get(1).asInt();
        return ByteBuffer.wrap(bytes, start, end - start).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static double[] toDoubles(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }
}
