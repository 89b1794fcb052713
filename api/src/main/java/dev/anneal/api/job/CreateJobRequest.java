package dev.anneal.api.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.store.job.JobMethod;
import dev.anneal.store.job.TrainingType;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /v1/fine_tuning/jobs}: OpenAI's fields, then the platform's own. Unknown
 * fields are refused, naming the field.
 *
 * @param model the base model's id
 * @param trainingFile the training file's id
 * @param validationFile the validation file's id, optional
 * @param suffix up to 64 characters added to the fine-tuned model's name
 * @param seed the job's seed; random when absent
 * @param metadata up to 16 string pairs
 * @param method {@code {"type": "supervised" | "dpo", ...}}
 * @param hyperparameters OpenAI's older top-level hyper-parameters (use {@code method} instead)
 * @param integrations OpenAI's integrations; none is supported, so it must be absent or empty
 * @param trainingType {@code lora} (default) or {@code full}
 * @param lora the adapter's shape when {@code training_type} is {@code lora}
 * @param learningRate the peak learning rate; overrides {@code learning_rate_multiplier}
 * @param maxSeqLength longest sequence in tokens
 * @param packing whether short examples share sequences (default true)
 * @param trainOnInputs whether the loss covers prompts too (default false)
 * @param checkpointInterval steps between checkpoints
 */
public record CreateJobRequest(
        String model,
        String trainingFile,
        String validationFile,
        String suffix,
        Long seed,
        Map<String, String> metadata,
        Method method,
        Hyperparameters hyperparameters,
        List<JsonNode> integrations,
        TrainingType trainingType,
        Lora lora,
        Double learningRate,
        Integer maxSeqLength,
        Boolean packing,
        Boolean trainOnInputs,
        Integer checkpointInterval) {

    /** OpenAI's {@code method}: its type, and the hyper-parameters under the type's name. */
    public record Method(JobMethod type, Section supervised, Section dpo) {}

    /** {@code {"hyperparameters": {...}}}. */
    public record Section(Hyperparameters hyperparameters) {}

    /**
     * OpenAI's hyper-parameters; each a number or {@code "auto"}.
     *
     * @param nEpochs passes over the data
     * @param batchSize examples per step
     * @param learningRateMultiplier factor of the base learning rate
     * @param beta DPO's β (dpo only)
     */
    public record Hyperparameters(
            JsonNode nEpochs, JsonNode batchSize, JsonNode learningRateMultiplier, JsonNode beta) {}

    /**
     * The adapter's shape.
     *
     * @param r rank
     * @param alpha scale numerator (the update is scaled by alpha / r)
     * @param dropout dropout on the adapter's input
     * @param targetModules projections among q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj,
     *     down_proj (PEFT's names, as the adapter's config keeps them)
     */
    public record Lora(Integer r, Double alpha, Double dropout, List<String> targetModules) {}
}
