package dev.anneal.tuner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.tuner.Stories260K;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LlamaConfigTest {

    private static final String QWEN2_0_5B =
            """
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
             "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
             "num_key_value_heads": 2, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
             "rms_norm_eps": 1e-06, "vocab_size": 151936, "tie_word_embeddings": true,
             "hidden_act": "silu", "sliding_window": 32768, "use_sliding_window": false,
             "bos_token_id": 151643, "eos_token_id": 151645}
            """;

    @Test
    void shouldCountEveryLoadedParameterWhenCountingFromTheConfiguration() throws Exception {
        LlamaForCausalLM model = Stories260K.model();
        long loaded =
                model.stateDict().values().stream()
                        .filter(p -> p.isInitialized())
                        .mapToLong(p -> p.getArray().size())
                        .sum();

        assertThat(model.config().parameterCount()).isEqualTo(loaded);
        // Qwen2.5-0.5B: 494M parameters with the output head tied to the embeddings
        assertThat(LlamaConfig.parse(QWEN2_0_5B).parameterCount()).isEqualTo(494_032_768L);
    }

    @Test
    void shouldReadGroupedQueryAttentionWhenParsingStories260K() throws Exception {
        LlamaConfig config = LlamaConfig.load(Stories260K.DIR);

        assertThat(config.modelType()).isEqualTo("llama");
        assertThat(config.hiddenSize()).isEqualTo(64);
        assertThat(config.intermediateSize()).isEqualTo(172);
        assertThat(config.numHiddenLayers()).isEqualTo(5);
        assertThat(config.numAttentionHeads()).isEqualTo(8);
        assertThat(config.numKeyValueHeads()).isEqualTo(4);
        assertThat(config.queriesPerKeyValueHead()).isEqualTo(2);
        assertThat(config.headDim()).isEqualTo(8);
        assertThat(config.vocabSize()).isEqualTo(512);
        assertThat(config.ropeTheta()).isEqualTo(10000.0);
        assertThat(config.rmsNormEps()).isEqualTo(1e-5);
        assertThat(config.tieWordEmbeddings()).isTrue();
        assertThat(config.qkvBias()).isFalse();
        assertThat(config.bosTokenId()).isEqualTo(OptionalLong.of(1));
        assertThat(config.eosTokenIds()).containsExactly(2L);
        assertThat(config.ropeScaling()).isEqualTo(LlamaConfig.RopeScaling.NONE);
    }

    @Test
    void shouldDefaultHeadDimAndKeyValueHeadsWhenAbsent() throws Exception {
        LlamaConfig config =
                LlamaConfig.parse(
                        """
                        {"model_type": "mistral", "hidden_size": 4096, "intermediate_size": 14336,
                         "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32000,
                         "sliding_window": 4096}
                        """);

        assertThat(config.headDim()).isEqualTo(128);
        assertThat(config.numKeyValueHeads()).isEqualTo(32);
        assertThat(config.slidingWindow()).isEqualTo(4096);
        assertThat(config.tieWordEmbeddings()).isFalse();
    }

    @Test
    void shouldBiasQkvButNotOutputWhenModelIsQwen2() throws Exception {
        LlamaConfig config = LlamaConfig.parse(QWEN2_0_5B);

        assertThat(config.qkvBias()).isTrue();
        assertThat(config.outputBias()).isFalse();
        assertThat(config.headDim()).isEqualTo(64);
        assertThat(config.numKeyValueHeads()).isEqualTo(2);
        assertThat(config.slidingWindow()).isZero();
        assertThat(config.eosTokenIds()).containsExactly(151645L);
    }

    @Test
    void shouldBiasAllAttentionProjectionsWhenLlamaSetsAttentionBias() throws Exception {
        LlamaConfig config =
                LlamaConfig.parse(minimal("llama").replace("}", ", \"attention_bias\": true}"));

        assertThat(config.qkvBias()).isTrue();
        assertThat(config.outputBias()).isTrue();
    }

    @Test
    void shouldReadEosListAndLlama3ScalingWhenModelIsLlama32() throws Exception {
        LlamaConfig config =
                LlamaConfig.parse(
                        minimal("llama")
                                .replace(
                                        "}",
                                        ", \"eos_token_id\": [128001, 128008, 128009],"
                                                + " \"vocab_size\": 128256,"
                                                + " \"rope_scaling\": {\"factor\": 32.0,"
                                                + " \"low_freq_factor\": 1.0,"
                                                + " \"high_freq_factor\": 4.0,"
                                                + " \"original_max_position_embeddings\": 8192,"
                                                + " \"rope_type\": \"llama3\"}}"));

        assertThat(config.eosTokenIds()).containsExactly(128001L, 128008L, 128009L);
        assertThat(config.ropeScaling().type()).isEqualTo("llama3");
        assertThat(config.ropeScaling().factor()).isEqualTo(32.0);
    }

    @Test
    void shouldNameModelTypeWhenUnsupported() {
        assertThatThrownBy(() -> LlamaConfig.parse(minimal("gpt2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model_type 'gpt2'")
                .hasMessageContaining("llama, mistral, qwen2");
    }

    @Test
    void shouldNameArchitectureWhenUnsupported() {
        String json =
                minimal("llama")
                        .replace("{", "{\"architectures\": [\"LlamaForSequenceClassification\"], ");

        assertThatThrownBy(() -> LlamaConfig.parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'LlamaForSequenceClassification'");
    }

    @Test
    void shouldNameKeyWhenRequiredKeyIsMissing() {
        assertThatThrownBy(() -> LlamaConfig.parse("{\"model_type\": \"llama\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'hidden_size'");
    }

    @Test
    void shouldNameBothKeysWhenHeadsAreNotMultipleOfKeyValueHeads() {
        String json = minimal("llama").replace("}", ", \"num_key_value_heads\": 3}");

        assertThatThrownBy(() -> LlamaConfig.parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("num_attention_heads")
                .hasMessageContaining("num_key_value_heads");
    }

    @Test
    void shouldNameActivationWhenNotSilu() {
        String json = minimal("llama").replace("}", ", \"hidden_act\": \"gelu\"}");

        assertThatThrownBy(() -> LlamaConfig.parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hidden_act 'gelu'");
    }

    @Test
    void shouldNameRopeScalingWhenTypeIsUnsupported() {
        String json =
                minimal("llama")
                        .replace("}", ", \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}}");

        assertThatThrownBy(() -> LlamaConfig.parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rope_scaling type 'yarn'");
    }

    @Test
    void shouldNameKeyWhenTokenIdIsOutsideVocabulary() {
        String json = minimal("llama").replace("}", ", \"eos_token_id\": 4096}");

        assertThatThrownBy(() -> LlamaConfig.parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("eos_token_id 4096");
    }

    private static String minimal(String modelType) {
        return "{\"model_type\": \""
                + modelType
                + "\", \"hidden_size\": 64, \"intermediate_size\": 128,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"vocab_size\": 1000}";
    }
}
