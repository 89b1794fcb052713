package dev.anneal.tuner.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How to generate: decoding strategy, limits and stopping rules. Validated on construction.
 *
 * <p>Temperature 0 is greedy decoding (always the most likely token), whatever {@code topK} and
 * {@code topP} say. Otherwise the logits are divided by the temperature, cut to the {@code topK}
 * most likely tokens (0: no cut), then to the smallest set whose probability reaches {@code topP}
 * (1: no cut), and sampled with a generator seeded by {@code seed}: the same seed, prompt and model
 * give the same tokens.
 *
 * @param maxNewTokens the most tokens to generate
 * @param temperature 0 for greedy, otherwise the softmax temperature
 * @param topK keep the k most likely tokens, 0 to keep all
 * @param topP nucleus sampling threshold in (0, 1], 1 to keep all
 * @param stopSequences strings that end generation; the returned text stops before them
 * @param eosTokenIds tokens that end generation
 * @param seed the sampling seed
 * @param useKvCache whether to reuse keys and values of earlier tokens ({@code use_cache});
 *     without, each step recomputes the whole sequence (for checks and benchmarks)
 * @param logprobs -1 to record no log-probabilities; k &ge; 0 to record, at each step, the chosen
 *     token's log-probability and the k most likely tokens' ({@link TokenLogprobs}): the
 *     log-softmax of the model's raw logits, before temperature, top-k, top-p and any
 *     structured-output mask, as OpenAI reports them
 */
public record GenerationConfig(
        int maxNewTokens,
        float temperature,
        int topK,
        float topP,
        List<String> stopSequences,
        Set<Long> eosTokenIds,
        long seed,
        boolean useKvCache,
        int logprobs) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Validates every field; messages name the option. */
    public GenerationConfig {
        stopSequences = List.copyOf(stopSequences);
        eosTokenIds = Set.copyOf(eosTokenIds);
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException(
                    "maxNewTokens must be positive, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    "temperature must be 0 (greedy) or positive, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be 0 (off) or positive, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (stopSequences.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stopSequences must not contain an empty string");
        }
        if (logprobs < -1) {
            throw new IllegalArgumentException(
                    "logprobs must be -1 (off) or the number of alternatives, got " + logprobs);
        }
    }

    /** Whether decoding is greedy. */
    public boolean greedy() {
        return temperature == 0;
    }

    /** A builder with greedy decoding, 128 new tokens, no EOS and no stop sequences. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder with the defaults of a model folder: EOS tokens from {@code generation_config.json}
     * (else {@code config.json}), and its sampling settings when it sets {@code do_sample}, as
     * {@code transformers} would apply them.
     *
     * @param modelDir the Hugging Face model folder
     * @return a builder to adjust further
     * @throws IOException if a file exists but cannot be read
     */
    public static Builder defaultsFrom(Path modelDir) throws IOException {
        Builder builder = builder();
        JsonNode generation = readJson(modelDir.resolve("generation_config.json"));
        List<Long> eos = LlamaConfig.tokenIds(generation.path("eos_token_id"));
        if (eos.isEmpty()) {
            eos =
                    LlamaConfig.tokenIds(
                            readJson(modelDir.resolve("config.json")).path("eos_token_id"));
        }
        builder.optEosTokenIds(new LinkedHashSet<>(eos));
        if (generation.path("do_sample").asBoolean(false)) {
            builder.optTemperature((float) generation.path("temperature").asDouble(1.0))
                    .optTopK(generation.path("top_k").asInt(50))
                    .optTopP((float) generation.path("top_p").asDouble(1.0));
        }
        if (generation.path("max_new_tokens").isIntegralNumber()) {
            builder.optMaxNewTokens(generation.path("max_new_tokens").asInt());
        }
        return builder;
    }

    /** A builder initialised with this configuration. */
    public Builder toBuilder() {
        return builder()
                .optMaxNewTokens(maxNewTokens)
                .optTemperature(temperature)
                .optTopK(topK)
                .optTopP(topP)
                .optStopSequences(stopSequences)
                .optEosTokenIds(eosTokenIds)
                .optSeed(seed)
                .optUseKvCache(useKvCache)
                .optLogprobs(logprobs);
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.isRegularFile(file)
                ? JSON.readTree(Files.readString(file))
                : JSON.createObjectNode();
    }

    /** Builds a {@link GenerationConfig}; every option has a default. */
    public static final class Builder {
        private int maxNewTokens = 128;
        private float temperature;
        private int topK;
        private float topP = 1;
        private List<String> stopSequences = List.of();
        private Set<Long> eosTokenIds = Set.of();
        private long seed;
        private boolean useKvCache = true;
        private int logprobs = -1;

        private Builder() {}

        /** Sets the most tokens to generate (default 128). */
        public Builder optMaxNewTokens(int maxNewTokens) {
            this.maxNewTokens = maxNewTokens;
            return this;
        }

        /** Sets the temperature; 0, the default, is greedy. */
        public Builder optTemperature(float temperature) {
            this.temperature = temperature;
            return this;
        }

        /** Keeps the k most likely tokens when sampling; 0, the default, keeps all. */
        public Builder optTopK(int topK) {
            this.topK = topK;
            return this;
        }

        /** Sets the nucleus threshold when sampling; 1, the default, keeps all. */
        public Builder optTopP(float topP) {
            this.topP = topP;
            return this;
        }

        /** Sets strings that end generation (default none). */
        public Builder optStopSequences(List<String> stopSequences) {
            this.stopSequences = stopSequences;
            return this;
        }

        /** Sets tokens that end generation (default none). */
        public Builder optEosTokenIds(Set<Long> eosTokenIds) {
            this.eosTokenIds = eosTokenIds;
            return this;
        }

        /** Sets the sampling seed (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets whether to use the KV cache (default true). */
        public Builder optUseKvCache(boolean useKvCache) {
            this.useKvCache = useKvCache;
            return this;
        }

        /**
         * Records each step's log-probabilities with {@code k} alternatives; -1, the default,
         * records none (and allocates nothing per token).
         */
        public Builder optLogprobs(int logprobs) {
            this.logprobs = logprobs;
            return this;
        }

        /** Builds and validates the configuration. */
        public GenerationConfig build() {
            return new GenerationConfig(
                    maxNewTokens,
                    temperature,
                    topK,
                    topP,
                    stopSequences,
                    eosTokenIds,
                    seed,
                    useKvCache,
                    logprobs);
        }
    }
}
