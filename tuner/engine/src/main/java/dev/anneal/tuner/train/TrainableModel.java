package dev.anneal.tuner.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraProjections;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A model set up for training: loaded from a Hugging Face folder, with LoRA adapters on its target
 * modules (only they train, the base frozen) or without (every weight trains).
 *
 * <p>Gradients accumulate in the parameters' own gradient buffers across backward passes, as in
 * PyTorch, until {@link #zeroGradients} clears them; that is how micro-batches accumulate.
 */
public final class TrainableModel {

    private static final NDIndex ALL = new NDIndex("...");

    private final LlamaForCausalLM model;
    private final LoraProjections lora;
    private final Map<String, Parameter> trainable;
    private final ParameterStore parameterStore;

    private TrainableModel(LlamaForCausalLM model, LoraProjections lora, NDManager manager) {
        this.model = model;
        this.lora = lora;
        Map<String, Parameter> chosen = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> entry : model.stateDict().entrySet()) {
            Parameter parameter = entry.getValue();
            boolean trains = lora == null || isAdapterWeight(entry.getKey());
            parameter.freeze(!trains);
            if (trains) {
                chosen.put(entry.getKey(), parameter);
            }
        }
        this.trainable = Collections.unmodifiableMap(chosen);
        this.parameterStore = new ParameterStore(manager, false);
    }

    /**
     * Loads a model for training.
     *
     * @param modelDir the Hugging Face model folder
     * @param loraConfig the adapters to train, or {@code null} for full fine-tuning
     * @param seed the seed of the adapters' initialisation
     * @param manager the manager that owns the weights for the run
     * @return the model, adapters initialised as PEFT does
     * @throws IOException if the folder cannot be loaded
     */
    public static TrainableModel load(
            Path modelDir, LoraConfig loraConfig, long seed, NDManager manager) throws IOException {
        if (loraConfig == null) {
            return new TrainableModel(HfModelLoader.load(modelDir, manager), null, manager);
        }
        LoraProjections projections = new LoraProjections(loraConfig, manager);
        LlamaForCausalLM model = HfModelLoader.load(modelDir, manager, projections);
        projections.initialise(seed);
        return new TrainableModel(model, projections, manager);
    }

    /**
     * Wraps a model whose parameters all have values.
     *
     * @param model the model
     * @param lora its adapters, or {@code null} to train every weight
     * @param manager the manager of the model's weights
     * @return the trainable model
     */
    public static TrainableModel of(
            LlamaForCausalLM model, LoraProjections lora, NDManager manager) {
        return new TrainableModel(model, lora, manager);
    }

    private static boolean isAdapterWeight(String name) {
        return name.endsWith(".lora_A.weight") || name.endsWith(".lora_B.weight");
    }

    /** The model. */
    public LlamaForCausalLM model() {
        return model;
    }

    /** The adapters, when LoRA is trained. */
    public Optional<LoraProjections> lora() {
        return Optional.ofNullable(lora);
    }

    /**
     * The logits of a batch, {@code [batch, seq, vocab]}: the forward pass with packing's positions
     * and segments, through this model's parameter store.
     *
     * @param arrays the batch's arrays
     * @param training whether dropout is active
     * @return the logits, owned by the arrays' manager
     */
    public NDArray logits(Batch.Arrays arrays, boolean training) {
        return model.forward(
                parameterStore,
                arrays.inputIds(),
                arrays.positionIds(),
                arrays.segmentIds(),
                training);
    }

    /** The parameter store the forward pass reads weights through. */
    public ParameterStore parameterStore() {
        return parameterStore;
    }

    /** The trained parameters by Hugging Face (PEFT-style) name, in module order. */
    public Map<String, Parameter> trainable() {
        return trainable;
    }

    /** The trained parameters' current values, live. */
    public Map<String, NDArray> values() {
        Map<String, NDArray> values = new LinkedHashMap<>();
        trainable.forEach((name, parameter) -> values.put(name, parameter.getArray()));
        return values;
    }

    /**
     * The accumulated gradients of the trained parameters.
     *
     * @param step the manager of the current step, which will own the gradient handles (not the
     *     buffers, which stay with the parameters)
     * @return name to gradient, same shapes as the parameters
     */
    public Map<String, NDArray> gradients(NDManager step) {
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        trainable.forEach(
                (name, parameter) -> {
                    NDArray gradient = parameter.getArray().getGradient();
                    gradient.attach(step);
                    gradients.put(name, gradient);
                });
        return gradients;
    }

    /**
     * Clears the gradient buffers, NaN included (filling, not subtracting).
     *
     * @param step the manager of the current step
     */
    public void zeroGradients(NDManager step) {
        for (NDArray gradient : gradients(step).values()) {
            gradient.set(ALL, 0f);
        }
    }

    /** Elements trained. */
    public long trainableElements() {
        return trainable.values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /** Elements in the model, adapters included. */
    public long totalElements() {
        return model.stateDict().values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /**
     * Overwrites the trained parameters in place (so that the parameter store keeps seeing them).
     *
     * @param values name to value, one for each trained parameter
     * @throws IllegalArgumentException if one is missing or has the wrong shape
     */
    public void setValues(Map<String, NDArray> values) {
        for (Map.Entry<String, Parameter> entry : trainable.entrySet()) {
            NDArray value = values.get(entry.getKey());
            NDArray target = entry.getValue().getArray();
            if (value == null || !value.getShape().equals(target.getShape())) {
                throw new IllegalArgumentException(
                        "Saved state lacks '"
                                + entry.getKey()
                                + "' of shape "
                                + target.getShape()
                                + (value == null ? "" : ", has " + value.getShape()));
            }
            target.set(ALL, value);
        }
    }
}
