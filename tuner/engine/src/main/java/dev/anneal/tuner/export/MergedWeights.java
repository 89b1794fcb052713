package dev.anneal.tuner.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.anneal.tuner.checkpoint.HfCheckpoint;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraLinear;
import dev.anneal.tuner.lora.LoraProjections;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model, its LoRA adapters folded in, as a plain Hugging Face model folder: {@code
 * model.safetensors} (float32, one file) beside copies of the base folder's {@code config.json},
 * {@code generation_config.json} and tokenizer files.
 *
 * <p>Each adapted projection's weight becomes {@code W' = W + (alpha / r) B A} ({@code [out, in]}
 * from B {@code [out, r]} and A {@code [r, in]}), so the folder loads without PEFT, and without
 * LoRA in this engine, giving the adapted model's logits up to float32 rounding. The merged arrays
 * are held in memory together until the file is written: about the size of the adapted projections
 * in float32.
 */
public final class MergedWeights {

    /** The files copied from the base folder when it has them, besides the weights. */
    public static final List<String> COPIED_FILES =
            List.of(
                    "config.json",
                    "generation_config.json",
                    "tokenizer.json",
                    "tokenizer_config.json",
                    "special_tokens_map.json",
                    "tokenizer.model",
                    "chat_template.jinja");

    private MergedWeights() {}

    /**
     * Writes a model with the adapters a {@link LoraProjections} made.
     *
     * @param dir the folder to write, not the base folder
     * @param model the model, base weights loaded
     * @param projections the factory of its adapters, or {@code null} for a model without LoRA
     * @param sourceModelDir the base model's Hugging Face folder, for config and tokenizer files
     * @throws IOException if a file cannot be read or written
     */
    public static void save(
            Path dir, LlamaForCausalLM model, LoraProjections projections, Path sourceModelDir)
            throws IOException {
        if (projections == null) {
            save(dir, model, null, List.of(), sourceModelDir);
        } else {
            save(dir, model, projections.config(), projections.adapters(), sourceModelDir);
        }
    }

    /**
     * Writes a model with its adapters folded into the base weights.
     *
     * @param dir the folder to write, not the base folder
     * @param model the model, base weights loaded
     * @param config the adapters' configuration (its scaling {@code alpha / r} is used); may be
     *     {@code null} when there are no adapters
     * @param adapters the model's adapters, A {@code [r, in]} and B {@code [out, r]} set
     * @param sourceModelDir the base model's Hugging Face folder, for config and tokenizer files
     * @throws IllegalArgumentException if {@code dir} is the base folder
     * @throws IOException if a file cannot be read or written
     */
    public static void save(
            Path dir,
            LlamaForCausalLM model,
            LoraConfig config,
            Collection<LoraLinear> adapters,
            Path sourceModelDir)
            throws IOException {
        if (Files.exists(dir) && Files.isSameFile(dir, sourceModelDir)) {
            throw new IllegalArgumentException(
                    "Refusing to write merged weights over the base model in " + dir);
        }
        if (!adapters.isEmpty() && config == null) {
            throw new IllegalArgumentException("Adapters need their LoRA config to be merged");
        }
        Files.createDirectories(dir);
        Map<String, LoraLinear> adapterOf = new LinkedHashMap<>();
        adapters.forEach(adapter -> adapterOf.put(adapter.modulePath() + ".weight", adapter));
        Map<String, Parameter> parameters = model.stateDict();
        try (NDManager scratch = NDManager.newBaseManager()) {
            NDArray scaling =
                    config == null ? null : scratch.create(new float[] {(float) config.scaling()});
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : model.baseParameterShapes().keySet()) {
                NDArray weight = parameters.get(name).getArray();
                LoraLinear adapter = adapterOf.remove(name);
                tensors.put(
                        name, adapter == null ? weight : merge(weight, adapter, scaling, scratch));
            }
            if (!adapterOf.isEmpty()) {
                throw new IllegalArgumentException(
                        "Adapters on modules the model lacks: " + adapterOf.keySet());
            }
            // A stale index would shadow the new single file for every loader.
            Files.deleteIfExists(dir.resolve(HfCheckpoint.INDEX_FILE));
            SafetensorsFile.write(
                    dir.resolve(HfCheckpoint.SINGLE_FILE), tensors, Map.of("format", "pt"));
        }
        for (String file : COPIED_FILES) {
            Path source = sourceModelDir.resolve(file);
            if (Files.isRegularFile(source)) {
                Files.copy(source, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * Writes base plus PEFT adapter as one plain Hugging Face folder: the starting point of a
     * training that continues from a LoRA fine-tuned model (its adapter folded in and frozen, a new
     * adapter or every weight trained on top).
     *
     * @param baseModelDir the base model's Hugging Face folder
     * @param adapterDir the PEFT adapter folder
     * @param dir the folder to write
     * @throws IOException if a file cannot be read or written, or the adapter does not fit
     */
    public static void mergeAdapter(Path baseModelDir, Path adapterDir, Path dir)
            throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            PeftAdapter adapter = PeftAdapter.load(adapterDir, manager);
            LoraProjections projections = new LoraProjections(adapter.config(), manager);
            LlamaForCausalLM model = HfModelLoader.load(baseModelDir, manager, projections);
            adapter.applyTo(projections);
            save(dir, model, projections, baseModelDir);
        }
    }

    /**
     * Folds one adapter into its base weight.
     *
     * @param weight {@code [out, in]}
     * @param adapter A {@code [r, in]}, B {@code [out, r]}
     * @param scaling {@code [1]}, {@code alpha / r}
     * @param scratch the manager that will own the result and its intermediates
     * @return {@code W + scaling * B A}, {@code [out, in]}
     */
    private static NDArray merge(
            NDArray weight, LoraLinear adapter, NDArray scaling, NDManager scratch) {
        // Results attach to the first operand's manager: move the product to scratch first.
        NDArray product = adapter.loraB().getArray().matMul(adapter.loraA().getArray());
        product.attach(scratch);
        return product.mul(scaling).add(weight);
    }
}
