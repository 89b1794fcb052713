package dev.anneal.tuner.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.model.ProjectionFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads a LLaMA-family model from a Hugging Face folder: {@code config.json} and the safetensors
 * checkpoint, every tensor converted to float32.
 *
 * <p>Tensors the model does not use (a redundant {@code lm_head.weight} of a tied model, old {@code
 * rotary_emb.inv_freq} buffers) are ignored; a tensor the model needs but the checkpoint lacks, or
 * one of the wrong shape, fails the load with a message naming it and its file.
 */
public final class HfModelLoader {

    private HfModelLoader() {}

    /**
     * Loads a model with plain linear projections.
     *
     * @param modelDir the Hugging Face model folder
     * @param manager the manager that will own the weights and constants; close it to free them
     * @return the model, ready for inference
     * @throws IOException if a file is missing, unreadable or inconsistent with {@code config.json}
     */
    public static LlamaForCausalLM load(Path modelDir, NDManager manager) throws IOException {
        return load(modelDir, manager, ProjectionFactory.LINEAR);
    }

    /**
     * Loads a model whose projections come from a factory, e.g. one adding LoRA adapters; the
     * factory's own extra parameters are left for the caller to initialise.
     *
     * @param modelDir the Hugging Face model folder
     * @param manager the manager that will own the weights and constants
     * @param projections the factory of the q,k,v,o,gate,up,down projections
     * @return the model
     * @throws IOException if a file is missing, unreadable or inconsistent with {@code config.json}
     */
    public static LlamaForCausalLM load(
            Path modelDir, NDManager manager, ProjectionFactory projections) throws IOException {
        DjlRuntime.offlineByDefault();
        LlamaConfig config = LlamaConfig.load(modelDir);
        LlamaForCausalLM model =
                LlamaForCausalLM.builder()
                        .setConfig(config)
                        .setManager(manager)
                        .optProjections(projections)
                        .build();
        loadWeights(model, HfCheckpoint.open(modelDir), manager);
        return model;
    }

    /**
     * Loads a model with plain linear projections from a configuration and a checkpoint already
     * opened, such as one held in memory ({@link HfCheckpoint#read}).
     *
     * @param config the model's validated {@code config.json}
     * @param checkpoint its weights
     * @param manager the manager that will own the weights and constants; close it to free them
     * @return the model, ready for inference
     * @throws IOException if a tensor is missing, unreadable or of the wrong shape
     */
    public static LlamaForCausalLM load(
            LlamaConfig config, HfCheckpoint checkpoint, NDManager manager) throws IOException {
        return load(config, checkpoint, manager, ProjectionFactory.LINEAR);
    }

    /**
     * Loads a model whose projections come from a factory from a configuration and a checkpoint
     * already opened.
     *
     * @param config the model's validated {@code config.json}
     * @param checkpoint its weights
     * @param manager the manager that will own the weights and constants
     * @param projections the factory of the q,k,v,o,gate,up,down projections
     * @return the model
     * @throws IOException if a tensor is missing, unreadable or of the wrong shape
     */
    public static LlamaForCausalLM load(
            LlamaConfig config,
            HfCheckpoint checkpoint,
            NDManager manager,
            ProjectionFactory projections)
            throws IOException {
        DjlRuntime.offlineByDefault();
        LlamaForCausalLM model =
                LlamaForCausalLM.builder()
                        .setConfig(config)
                        .setManager(manager)
                        .optProjections(projections)
                        .build();
        loadWeights(model, checkpoint, manager);
        return model;
    }

    /**
     * Sets every base parameter of a model from a checkpoint.
     *
     * @param model the model, its base parameters not yet set
     * @param checkpoint the checkpoint
     * @param manager the manager that will own the weights
     * @throws IOException if a tensor is missing, unreadable or of the wrong shape
     */
    public static void loadWeights(
            LlamaForCausalLM model, HfCheckpoint checkpoint, NDManager manager) throws IOException {
        Map<String, Parameter> parameters = model.stateDict();
        for (Map.Entry<String, Shape> expected : model.baseParameterShapes().entrySet()) {
            String name = expected.getKey();
            Parameter parameter = parameters.get(name);
            if (parameter == null) {
                throw new IllegalStateException("The model has no parameter named " + name);
            }
            NDArray array = checkpoint.load(manager, name);
            if (!array.getShape().equals(expected.getValue())) {
                Shape actual = array.getShape();
                array.close();
                throw new CheckpointException(
                        "Tensor '"
                                + name
                                + "' in "
                                + checkpoint.fileOf(name)
                                + " has shape "
                                + actual
                                + " but config.json implies "
                                + expected.getValue());
            }
            parameter.setArray(array);
        }
    }
}
