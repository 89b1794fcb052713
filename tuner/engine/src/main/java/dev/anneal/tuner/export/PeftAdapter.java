package dev.anneal.tuner.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.anneal.tuner.checkpoint.CheckpointException;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraLinear;
import dev.anneal.tuner.lora.LoraProjections;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A LoRA adapter in the layout PEFT saves and loads: {@code adapter_config.json} ({@code peft_type}
 * {@code LORA}, {@code task_type} {@code CAUSAL_LM}, {@code r}, {@code lora_alpha}, ...) and {@code
 * adapter_model.safetensors}, whose tensors are named {@code
 * base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight} ({@code [r, in]}) and {@code
 * ...lora_B.weight} ({@code [out, r]}), float32.
 *
 * <p>In memory the weights are keyed without PEFT's {@code base_model.model.} prefix, as the
 * model's own state dict names them. A loaded adapter owns its arrays through the manager it was
 * loaded with. PEFT features the engine does not implement (rsLoRA, DoRA, per-module ranks, biases,
 * {@code modules_to_save}) fail the load with a message naming the key, rather than being ignored.
 *
 * @param config rank, alpha, dropout and target modules
 * @param baseModelNameOrPath {@code base_model_name_or_path}: the base model the adapter was
 *     trained on, a path or a hub id
 * @param weights {@code lora_A.weight} and {@code lora_B.weight} arrays by model parameter name
 */
public record PeftAdapter(
        LoraConfig config, String baseModelNameOrPath, Map<String, NDArray> weights) {

    /** The configuration file. */
    public static final String CONFIG_FILE = "adapter_config.json";

    /** The weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** The prefix PEFT's {@code PeftModelForCausalLM} puts before the model's parameter names. */
    public static final String PEFT_PREFIX = "base_model.model.";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Checks the fields and freezes the map. */
    public PeftAdapter {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(baseModelNameOrPath, "baseModelNameOrPath");
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /**
     * Saves the adapters of a model built with {@link LoraProjections}.
     *
     * @param dir the folder to create or overwrite files in
     * @param projections the factory that made the model's adapters, holding their config
     * @param baseModelNameOrPath the base model, written as {@code base_model_name_or_path}
     * @throws IOException if a file cannot be written
     */
    public static void save(Path dir, LoraProjections projections, String baseModelNameOrPath)
            throws IOException {
        save(dir, projections.config(), projections.adapters(), baseModelNameOrPath);
    }

    /**
     * Saves adapters in PEFT's layout.
     *
     * @param dir the folder to create or overwrite files in
     * @param config the configuration the adapters were built with
     * @param adapters the adapters, their A {@code [r, in]} and B {@code [out, r]} set
     * @param baseModelNameOrPath the base model, written as {@code base_model_name_or_path}
     * @throws IOException if a file cannot be written
     */
    public static void save(
            Path dir,
            LoraConfig config,
            Collection<LoraLinear> adapters,
            String baseModelNameOrPath)
            throws IOException {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        for (LoraLinear adapter : adapters) {
            weights.put(adapter.modulePath() + ".lora_A.weight", adapter.loraA().getArray());
            weights.put(adapter.modulePath() + ".lora_B.weight", adapter.loraB().getArray());
        }
        new PeftAdapter(config, baseModelNameOrPath, weights).save(dir);
    }

    /**
     * Writes this adapter's two files.
     *
     * @param dir the folder to create or overwrite files in
     * @throws IOException if a file cannot be written
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        weights.forEach((name, array) -> tensors.put(PEFT_PREFIX + name, array));
        SafetensorsFile.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        Files.writeString(dir.resolve(CONFIG_FILE), JSON.writeValueAsString(configJson()) + "\n");
    }

    /** The fields of PEFT's {@code LoraConfig}, in the order PEFT writes them (sorted). */
    private Map<String, Object> configJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("alpha_pattern", Map.of());
        json.put("auto_mapping", null);
        json.put("base_model_name_or_path", baseModelNameOrPath);
        json.put("bias", "none");
        json.put("fan_in_fan_out", false);
        json.put("inference_mode", true);
        json.put("init_lora_weights", true);
        json.put("layers_pattern", null);
        json.put("layers_to_transform", null);
        double alpha = config.alpha();
        json.put("lora_alpha", alpha == Math.rint(alpha) ? (Object) (long) alpha : alpha);
        json.put("lora_dropout", config.dropout());
        json.put("modules_to_save", null);
        json.put("peft_type", "LORA");
        json.put("r", config.r());
        json.put("rank_pattern", Map.of());
        json.put("revision", null);
        json.put("target_modules", config.targetModules());
        json.put("task_type", "CAUSAL_LM");
        json.put("use_dora", false);
        json.put("use_rslora", false);
        return json;
    }

    /**
     * Reads an adapter folder, as written by {@link #save} or by PEFT.
     *
     * @param dir the folder holding {@code adapter_config.json} and {@code
     *     adapter_model.safetensors}
     * @param manager the manager that will own the weights
     * @return the adapter
     * @throws CheckpointException if a file is missing, or uses a PEFT feature the engine lacks
     * @throws IOException if a file cannot be read
     */
    public static PeftAdapter load(Path dir, NDManager manager) throws IOException {
        Path configFile = dir.resolve(CONFIG_FILE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        for (Path file : List.of(configFile, weightsFile)) {
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException("No " + file.getFileName() + " in " + dir);
            }
        }
        JsonNode json = JSON.readTree(Files.readString(configFile));
        LoraConfig config = readConfig(json, configFile);
        String base = json.path("base_model_name_or_path").asText("");
        SafetensorsFile file = SafetensorsFile.open(weightsFile);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        for (String stored : file.tensors().keySet()) {
            weights.put(modelName(stored, weightsFile), file.load(manager, stored));
        }
        return new PeftAdapter(config, base, weights);
    }

    /**
     * Reads an adapter from its two files' bytes, as held in memory (unpacked from an encrypted
     * archive, say), so that its plaintext never touches a disk.
     *
     * @param configJson the bytes of {@code adapter_config.json}
     * @param safetensors the bytes of {@code adapter_model.safetensors}
     * @param source where the bytes come from, for messages (an archive entry's name)
     * @param manager the manager that will own the weights
     * @return the adapter
     * @throws CheckpointException if a file is malformed, holds BF16 tensors (which crash DJL: see
     *     docs/djl-facts.md), or uses a PEFT feature the engine lacks
     * @throws IOException if the bytes cannot be parsed
     */
    public static PeftAdapter read(
            byte[] configJson, byte[] safetensors, String source, NDManager manager)
            throws IOException {
        Path configFile = Path.of(source, CONFIG_FILE);
        Path weightsFile = Path.of(source, WEIGHTS_FILE);
        JsonNode json = JSON.readTree(configJson);
        LoraConfig config = readConfig(json, configFile);
        String base = json.path("base_model_name_or_path").asText("");
        requireNoBf16(safetensors, weightsFile);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        for (NDArray array : NDList.decode(manager, safetensors)) {
            weights.put(modelName(array.getName(), weightsFile), array);
        }
        return new PeftAdapter(config, base, weights);
    }

    /** Refuses BF16 tensors before DJL sees them, since decoding one aborts the JVM. */
    private static void requireNoBf16(byte[] safetensors, Path file) throws IOException {
        if (safetensors.length < 8) {
            throw new CheckpointException(file + " is not a safetensors file");
        }
        long headerLength =
                ByteBuffer.wrap(safetensors, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > safetensors.length - 8) {
            throw new CheckpointException(file + " has a malformed safetensors header");
        }
        JsonNode header =
                JSON.readTree(
                        new String(safetensors, 8, (int) headerLength, StandardCharsets.UTF_8));
        for (JsonNode tensor : header) {
            if ("BF16".equals(tensor.path("dtype").asText())) {
                throw new CheckpointException(
                        file + " holds BF16 tensors; store the adapter as F32 or F16");
            }
        }
    }

    /**
     * Loads a base model and puts this folder's adapter on it: what serving an adapter needs.
     *
     * @param baseModelDir the Hugging Face folder of the base model
     * @param adapterDir the PEFT adapter folder
     * @param manager the manager that will own base weights, adapter weights and constants
     * @return the model, its projections computing {@code W x + (alpha / r) B A x}
     * @throws CheckpointException if the adapter does not fit the model
     * @throws IOException if a file is missing or unreadable
     */
    public static LlamaForCausalLM loadModel(Path baseModelDir, Path adapterDir, NDManager manager)
            throws IOException {
        PeftAdapter adapter = load(adapterDir, manager);
        LoraProjections projections = new LoraProjections(adapter.config(), manager);
        LlamaForCausalLM model = HfModelLoader.load(baseModelDir, manager, projections);
        adapter.applyTo(projections);
        return model;
    }

    /**
     * Sets the A and B of every adapter a factory made from this adapter's weights.
     *
     * @param projections the factory of a model built with a config of the same rank and targets
     *     (alpha is taken from the factory's config, which should be {@link #config()})
     * @throws CheckpointException if a weight is missing, unused, or of the wrong shape
     */
    public void applyTo(LoraProjections projections) throws CheckpointException {
        if (projections.config().r() != config.r()
                || !Set.copyOf(projections.config().targetModules())
                        .equals(Set.copyOf(config.targetModules()))) {
            throw new CheckpointException(
                    "The adapter has r="
                            + config.r()
                            + " and target_modules "
                            + config.targetModules()
                            + " but the model's LoRA projections were built with r="
                            + projections.config().r()
                            + " and "
                            + projections.config().targetModules());
        }
        Set<String> unused = new LinkedHashSet<>(weights.keySet());
        for (LoraLinear adapter : projections.adapters()) {
            String a = adapter.modulePath() + ".lora_A.weight";
            String b = adapter.modulePath() + ".lora_B.weight";
            for (String name : List.of(a, b)) {
                if (!weights.containsKey(name)) {
                    throw new CheckpointException(
                            "The adapter has no tensor '" + PEFT_PREFIX + name + "'");
                }
            }
            try {
                adapter.setAdapterWeights(weights.get(a), weights.get(b));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException("The adapter does not fit: " + e.getMessage());
            }
            unused.remove(a);
            unused.remove(b);
        }
        if (!unused.isEmpty()) {
            throw new CheckpointException(
                    "The adapter has tensors for modules the model lacks: "
                            + unused.stream().limit(5).toList());
        }
    }

    private static LoraConfig readConfig(JsonNode json, Path file) throws CheckpointException {
        String peftType = json.path("peft_type").asText("");
        if (!"LORA".equals(peftType)) {
            throw new CheckpointException(
                    file + ": peft_type must be LORA, got '" + peftType + "'");
        }
        String taskType = json.path("task_type").asText("CAUSAL_LM");
        if (!"CAUSAL_LM".equals(taskType)) {
            throw new CheckpointException(
                    file + ": task_type must be CAUSAL_LM, got '" + taskType + "'");
        }
        String bias = json.path("bias").asText("none");
        if (!"none".equals(bias)) {
            throw new CheckpointException(file + ": bias '" + bias + "' is not supported");
        }
        for (String flag : List.of("fan_in_fan_out", "use_rslora", "use_dora")) {
            if (json.path(flag).asBoolean(false)) {
                throw new CheckpointException(file + ": " + flag + "=true is not supported");
            }
        }
        for (String key : List.of("rank_pattern", "alpha_pattern", "modules_to_save")) {
            JsonNode value = json.path(key);
            if (!value.isMissingNode() && !value.isNull() && !value.isEmpty()) {
                throw new CheckpointException(file + ": " + key + " is not supported: " + value);
            }
        }
        if (!json.path("r").canConvertToInt() || !json.path("lora_alpha").isNumber()) {
            throw new CheckpointException(file + ": r and lora_alpha must be numbers");
        }
        JsonNode targets = json.path("target_modules");
        List<String> modules = new ArrayList<>();
        if (targets.isArray()) {
            targets.forEach(module -> modules.add(module.asText()));
        } else if (targets.isTextual()) {
            // PEFT reads a string as a regular expression; only a bare module name is supported.
            modules.add(targets.asText());
        } else {
            throw new CheckpointException(file + ": target_modules is missing");
        }
        try {
            return new LoraConfig(
                    json.path("r").asInt(),
                    json.path("lora_alpha").asDouble(),
                    json.path("lora_dropout").asDouble(0),
                    modules);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
    }

    /** Strips PEFT's prefix and its optional adapter name ({@code lora_A.default.weight}). */
    private static String modelName(String stored, Path file) throws CheckpointException {
        String name = stored.replace(".lora_A.default.weight", ".lora_A.weight");
        name = name.replace(".lora_B.default.weight", ".lora_B.weight");
        if (!name.startsWith(PEFT_PREFIX)
                || !(name.endsWith(".lora_A.weight") || name.endsWith(".lora_B.weight"))) {
            throw new CheckpointException(
                    "Tensor '"
                            + stored
                            + "' in "
                            + file
                            + " is not a LoRA weight named "
                            + PEFT_PREFIX
                            + "<module>.lora_A.weight or .lora_B.weight");
        }
        return name.substring(PEFT_PREFIX.length());
    }
}
