package dev.anneal.store.job;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * How a job trains, every "auto" already resolved: fixed at creation, shown in the job object and
 * read by the worker that runs it. Stored as JSON in the job's row.
 *
 * @param method supervised or DPO
 * @param trainingType LoRA (then {@code lora} is set) or full
 * @param nEpochs passes over the training file
 * @param batchSize examples (or packed rows) per optimizer step
 * @param learningRateMultiplier the multiplier of the method's base learning rate
 * @param learningRate the peak learning rate actually used
 * @param lora the adapter's shape, {@code null} for full fine-tuning
 * @param maxSeqLength longest sequence in tokens; longer examples are truncated
 * @param packing whether short examples share a sequence (attention never crosses them)
 * @param trainOnInputs whether the loss covers prompts too, not only the answers
 * @param checkpointInterval steps between checkpoints
 * @param beta DPO's β, {@code null} for supervised jobs
 */
public record JobSpec(
        JobMethod method,
        TrainingType trainingType,
        int nEpochs,
        int batchSize,
        double learningRateMultiplier,
        double learningRate,
        Lora lora,
        int maxSeqLength,
        boolean packing,
        boolean trainOnInputs,
        int checkpointInterval,
        Double beta) {

    /** The adapter's shape: rank, scale numerator, dropout and the projections it adapts. */
    public record Lora(int r, double alpha, double dropout, List<String> targetModules) {}

    private static final ObjectMapper JSON =
            new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** Checks that the adapter's shape is given exactly for LoRA jobs. */
    public JobSpec {
        if ((trainingType == TrainingType.LORA) != (lora != null)) {
            throw new IllegalArgumentException(
                    "a "
                            + trainingType.wireName()
                            + " job "
                            + (lora == null ? "needs" : "has no")
                            + " LoRA settings");
        }
    }

    /** Whether the job trains LoRA adapters (else every weight). */
    @JsonIgnore
    public boolean isLora() {
        return trainingType == TrainingType.LORA;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JobSpec fromJson(String json) {
        try {
            return JSON.readValue(json, JobSpec.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable job specification", e);
        }
    }
}
