package dev.anneal.tuner.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The hyper-parameters of a LLaMA-family decoder, as a Hugging Face {@code config.json} states them
 * (model types {@code llama}, {@code mistral} and {@code qwen2}).
 *
 * <p>Validated on construction: a bad value fails with a message naming its {@code config.json}
 * key, before any weight is read. Missing optional keys take the defaults of the Hugging Face
 * configuration classes.
 *
 * @param modelType {@code model_type}: llama, mistral or qwen2
 * @param hiddenSize {@code hidden_size}, the width of the residual stream
 * @param intermediateSize {@code intermediate_size}, the width of the SwiGLU MLP
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads}, query heads
 * @param numKeyValueHeads {@code num_key_value_heads}, key/value heads (grouped-query attention)
 * @param headDim {@code head_dim}, default {@code hidden_size / num_attention_heads}
 * @param ropeTheta {@code rope_theta}, the base of the rotary frequencies
 * @param ropeScaling {@code rope_scaling}: none, linear or llama3
 * @param rmsNormEps {@code rms_norm_eps}
 * @param vocabSize {@code vocab_size}
 * @param maxPositionEmbeddings {@code max_position_embeddings}, the longest sequence supported
 * @param slidingWindow attention window in tokens, 0 when attention is full; sequences longer than
 *     the window are rejected as the window itself is not implemented
 * @param tieWordEmbeddings {@code tie_word_embeddings}: the output head reuses the embeddings
 * @param qkvBias whether q/k/v projections have a bias ({@code attention_bias}; always for qwen2)
 * @param outputBias whether the o projection has a bias ({@code attention_bias}; never for qwen2)
 * @param mlpBias {@code mlp_bias}
 * @param bosTokenId {@code bos_token_id}, if any
 * @param eosTokenIds {@code eos_token_id}, one or several ids
 */
public record LlamaConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double ropeTheta,
        RopeScaling ropeScaling,
        double rmsNormEps,
        int vocabSize,
        int maxPositionEmbeddings,
        int slidingWindow,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        OptionalLong bosTokenId,
        List<Long> eosTokenIds) {

    /** The {@code model_type} values this decoder implements. */
    public static final Set<String> SUPPORTED_MODEL_TYPES = Set.of("llama", "mistral", "qwen2");

    /** The {@code architectures} values this decoder implements. */
    public static final Set<String> SUPPORTED_ARCHITECTURES =
            Set.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Validates every field; messages name the {@code config.json} key. */
    public LlamaConfig {
        Objects.requireNonNull(modelType, "model_type");
        Objects.requireNonNull(ropeScaling, "rope_scaling");
        Objects.requireNonNull(bosTokenId, "bos_token_id");
        eosTokenIds = List.copyOf(eosTokenIds);
        requireSupportedModelType(modelType);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException(
                    "num_attention_heads ("
                            + numAttentionHeads
                            + ") must be a multiple of num_key_value_heads ("
                            + numKeyValueHeads
                            + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException(
                    "head_dim must be even for rotary embeddings, got " + headDim);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be positive, got " + ropeTheta);
        }
        if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
            throw new IllegalArgumentException("rms_norm_eps must be positive, got " + rmsNormEps);
        }
        if (slidingWindow < 0) {
            throw new IllegalArgumentException(
                    "sliding_window must not be negative, got " + slidingWindow);
        }
        if (bosTokenId.isPresent()) {
            tokenId("bos_token_id", bosTokenId.getAsLong(), vocabSize);
        }
        for (long eos : eosTokenIds) {
            tokenId("eos_token_id", eos, vocabSize);
        }
    }

    /**
     * Rotary position scaling ({@code rope_scaling}).
     *
     * @param type {@code rope_type} (or {@code type}): none, linear or llama3
     * @param factor {@code factor}, 1 for none
     * @param lowFreqFactor {@code low_freq_factor} (llama3 only)
     * @param highFreqFactor {@code high_freq_factor} (llama3 only)
     * @param originalMaxPositionEmbeddings {@code original_max_position_embeddings} (llama3 only)
     */
    public record RopeScaling(
            String type,
            double factor,
            double lowFreqFactor,
            double highFreqFactor,
            int originalMaxPositionEmbeddings) {

        /** No scaling: the frequencies of the original RoPE paper. */
        public static final RopeScaling NONE = new RopeScaling("none", 1, 0, 0, 0);

        /** Validates the scaling; messages name the {@code rope_scaling} key. */
        public RopeScaling {
            if (!Set.of("none", "linear", "llama3").contains(type)) {
                throw new IllegalArgumentException(
                        "Unsupported rope_scaling type '"
                                + type
                                + "' in config.json; supported: linear, llama3");
            }
            if (!(factor > 0)) {
                throw new IllegalArgumentException(
                        "rope_scaling.factor must be positive, got " + factor);
            }
            if ("llama3".equals(type)
                    && (originalMaxPositionEmbeddings <= 0 || !(highFreqFactor > lowFreqFactor))) {
                throw new IllegalArgumentException(
                        "rope_scaling of type llama3 needs original_max_position_embeddings > 0"
                                + " and high_freq_factor > low_freq_factor");
            }
        }
    }

    /**
     * The model's parameters: embeddings, every projection with its bias, the norms, and the output
     * head unless tied to the embeddings.
     */
    public long parameterCount() {
        long hidden = hiddenSize;
        long query = (long) numAttentionHeads * headDim;
        long keyValue = (long) numKeyValueHeads * headDim;
        long attention =
                hidden * (query + 2 * keyValue)
                        + (qkvBias ? query + 2 * keyValue : 0)
                        + query * hidden
                        + (outputBias ? hidden : 0);
        long mlp = 3 * hidden * intermediateSize + (mlpBias ? 2L * intermediateSize + hidden : 0);
        long layer = attention + mlp + 2 * hidden;
        long embeddings = (long) vocabSize * hidden;
        return embeddings + numHiddenLayers * layer + hidden + (tieWordEmbeddings ? 0 : embeddings);
    }

    /** Query heads sharing one key/value head. */
    public int queriesPerKeyValueHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /**
     * Reads {@code config.json} from a Hugging Face model folder.
     *
     * @param modelDir the folder holding {@code config.json}
     * @return the validated configuration
     * @throws IOException if the file cannot be read or is not JSON
     * @throws IllegalArgumentException if the model is not of a supported type or a value is bad
     */
    public static LlamaConfig load(Path modelDir) throws IOException {
        return parse(Files.readString(modelDir.resolve("config.json")));
    }

    /**
     * Parses the text of a {@code config.json}.
     *
     * @param json the file's content
     * @return the validated configuration
     * @throws IOException if the text is not JSON
     * @throws IllegalArgumentException if the model is not of a supported type or a value is bad
     */
    public static LlamaConfig parse(String json) throws IOException {
        JsonNode root = JSON.readTree(json);
        if (root == null || !root.isObject()) {
            throw new IOException("config.json is not a JSON object");
        }
        String modelType = root.path("model_type").asText("");
        for (JsonNode architecture : root.path("architectures")) {
            if (!SUPPORTED_ARCHITECTURES.contains(architecture.asText())) {
                throw new IllegalArgumentException(
                        "Unsupported architecture '"
                                + architecture.asText()
                                + "' in config.json (architectures); supported: "
                                + String.join(
                                        ", ", SUPPORTED_ARCHITECTURES.stream().sorted().toList()));
            }
        }
        requireSupportedModelType(modelType);
        String activation = root.path("hidden_act").asText("silu");
        if (!"silu".equals(activation)) {
            throw new IllegalArgumentException(
                    "Unsupported hidden_act '" + activation + "' in config.json; supported: silu");
        }
        int hidden = requiredInt(root, "hidden_size");
        int heads = requiredInt(root, "num_attention_heads");
        boolean qwen2 = "qwen2".equals(modelType);
        boolean attentionBias = root.path("attention_bias").asBoolean(false);
        return new LlamaConfig(
                modelType,
                hidden,
                requiredInt(root, "intermediate_size"),
                requiredInt(root, "num_hidden_layers"),
                heads,
                optionalInt(root, "num_key_value_heads", heads),
                optionalInt(root, "head_dim", heads > 0 ? hidden / heads : 0),
                root.path("rope_theta").asDouble(10000.0),
                ropeScaling(root.path("rope_scaling")),
                root.path("rms_norm_eps").asDouble(1e-6),
                requiredInt(root, "vocab_size"),
                optionalInt(root, "max_position_embeddings", 2048),
                slidingWindow(root, qwen2),
                root.path("tie_word_embeddings").asBoolean(false),
                qwen2 || attentionBias,
                !qwen2 && attentionBias,
                root.path("mlp_bias").asBoolean(false),
                root.path("bos_token_id").isIntegralNumber()
                        ? OptionalLong.of(root.path("bos_token_id").asLong())
                        : OptionalLong.empty(),
                tokenIds(root.path("eos_token_id")));
    }

    /**
     * Reads an {@code eos_token_id}-like value: a number, a list of numbers, or absent.
     *
     * @param node the JSON value
     * @return the ids, empty if absent or null
     */
    public static List<Long> tokenIds(JsonNode node) {
        List<Long> ids = new ArrayList<>();
        if (node.isIntegralNumber()) {
            ids.add(node.asLong());
        } else if (node.isArray()) {
            node.forEach(id -> ids.add(id.asLong()));
        }
        return ids;
    }

    private static void requireSupportedModelType(String modelType) {
        if (!SUPPORTED_MODEL_TYPES.contains(modelType)) {
            throw new IllegalArgumentException(
                    "Unsupported model_type '"
                            + modelType
                            + "' in config.json; supported: llama, mistral, qwen2");
        }
    }

    private static RopeScaling ropeScaling(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return RopeScaling.NONE;
        }
        String type = node.path("rope_type").asText(node.path("type").asText(""));
        if ("default".equals(type)) {
            return RopeScaling.NONE;
        }
        return new RopeScaling(
                type,
                node.path("factor").asDouble(1.0),
                node.path("low_freq_factor").asDouble(1.0),
                node.path("high_freq_factor").asDouble(4.0),
                node.path("original_max_position_embeddings").asInt(0));
    }

    private static int slidingWindow(JsonNode root, boolean qwen2) {
        if (qwen2 && !root.path("use_sliding_window").asBoolean(false)) {
            return 0;
        }
        JsonNode window = root.path("sliding_window");
        return window.isIntegralNumber() ? window.asInt() : 0;
    }

    private static int requiredInt(JsonNode root, String key) {
        JsonNode value = root.get(key);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("config.json is missing required key '" + key + "'");
        }
        return intValue(key, value);
    }

    private static int optionalInt(JsonNode root, String key, int defaultValue) {
        JsonNode value = root.get(key);
        return value == null || value.isNull() ? defaultValue : intValue(key, value);
    }

    private static int intValue(String key, JsonNode value) {
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException(
                    "config.json key '" + key + "' must be an integer, got " + value);
        }
        return value.asInt();
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + value);
        }
    }

    private static void tokenId(String key, long id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException(
                    key + " " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }
}
