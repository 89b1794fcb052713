package dev.anneal.api.job;

import dev.anneal.store.job.FineTuningJob;
import dev.anneal.store.job.JobError;
import dev.anneal.store.job.JobSpec;
import dev.anneal.store.job.TrainingType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's fine-tuning job object, then the platform's additions: how it trains and, while queued,
 * its place in the queue (1 = next).
 */
public record JobObject(
        String id,
        String object,
        Long createdAt,
        JobError error,
        String fineTunedModel,
        Long finishedAt,
        Map<String, Object> hyperparameters,
        String model,
        String organizationId,
        List<String> resultFiles,
        long seed,
        String status,
        Long trainedTokens,
        String trainingFile,
        String validationFile,
        Long estimatedFinish,
        List<Object> integrations,
        Map<String, Object> method,
        Map<String, String> metadata,
        String suffix,
        TrainingType trainingType,
        JobSpec.Lora lora,
        double learningRate,
        int maxSeqLength,
        boolean packing,
        boolean trainOnInputs,
        int checkpointInterval,
        Long queuePosition) {

    static JobObject of(FineTuningJob job, Long queuePosition) {
        JobSpec spec = job.spec();
        Map<String, Object> hyper = new LinkedHashMap<>();
        hyper.put("n_epochs", spec.nEpochs());
        hyper.put("batch_size", spec.batchSize());
        hyper.put("learning_rate_multiplier", spec.learningRateMultiplier());
        if (spec.beta() != null) {
            hyper.put("beta", spec.beta());
        }
        Map<String, Object> method = new LinkedHashMap<>();
        method.put("type", spec.method().wireName());
        method.put(spec.method().wireName(), Map.of("hyperparameters", hyper));
        return new JobObject(
                job.id(),
                "fine_tuning.job",
                seconds(job.createdAt()),
                job.error(),
                job.fineTunedModel(),
                seconds(job.finishedAt()),
                hyper,
                job.model(),
                job.tenantId(),
                job.resultFiles(),
                job.seed(),
                job.status().wireName(),
                job.trainedTokens(),
                job.trainingFile(),
                job.validationFile(),
                seconds(job.estimatedFinish()),
                List.of(),
                method,
                job.metadata(),
                job.suffix(),
                spec.trainingType(),
                spec.lora(),
                spec.learningRate(),
                spec.maxSeqLength(),
                spec.packing(),
                spec.trainOnInputs(),
                spec.checkpointInterval(),
                queuePosition);
    }

    static Long seconds(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }
}
