package dev.anneal.api.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.store.job.FineTuningJob;
import dev.anneal.store.job.JobCheckpoint;

/** OpenAI's job checkpoint object, plus the size of its archive. */
public record CheckpointObject(
        String id,
        String object,
        long createdAt,
        String fineTunedModelCheckpoint,
        String fineTuningJobId,
        JsonNode metrics,
        int stepNumber,
        long bytes) {

    static CheckpointObject of(FineTuningJob job, JobCheckpoint checkpoint) {
        return new CheckpointObject(
                checkpoint.id(),
                "fine_tuning.job.checkpoint",
                checkpoint.createdAt().getEpochSecond(),
                job.outputModelName() + ":ckpt-step-" + checkpoint.step(),
                job.id(),
                JobEventObject.parse(checkpoint.metrics()),
                checkpoint.step(),
                checkpoint.bytes());
    }
}
