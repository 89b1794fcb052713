package dev.anneal.tuner.worker;

import dev.anneal.store.file.format.DatasetFormat;
import dev.anneal.store.job.JobSpec;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.optim.LrSchedule;
import dev.anneal.tuner.train.DataConfig;
import dev.anneal.tuner.train.DpoConfig;
import dev.anneal.tuner.train.LoopConfig;
import dev.anneal.tuner.train.OptimizerConfig;
import dev.anneal.tuner.train.ScheduleConfig;
import dev.anneal.tuner.train.StabilityConfig;
import dev.anneal.tuner.train.TrainingConfig;
import java.nio.file.Path;

/**
 * Turns a job's specification into the engine's training configuration: supervised jobs train SFT
 * (chat, prompt–completion) or continued pre-training (text), DPO jobs the DPO recipe with the
 * job's β.
 *
 * <p>Steps: {@code ceil(n_epochs × examples / batch_size)}. Schedule: linear decay to zero after a
 * warm-up of 5% of the steps, as OpenAI's jobs do. AdamW with β = (0.9, 0.999), weight decay 0.01,
 * gradient norms clipped at 1. Validation (with a validation file) about ten times per run and at
 * the end; the engine's loss-spike guard with its defaults.
 */
final class JobPlan {

    /**
     * DPO's loss heads for zero as the pairs are learnt, so a ratio against its recent level says
     * nothing: loss-spike rollback is off for DPO jobs; the non-finite guard stays.
     */
    private static final StabilityConfig DPO_STABILITY =
            new StabilityConfig(true, 0, 20, 5, 10, 0.5, 5, 20);

    private JobPlan() {}

    /**
     * The configuration of a job.
     *
     * @param spec the job's resolved specification
     * @param seed the job's seed
     * @param modelDir the base model's folder
     * @param train the training file, decrypted
     * @param validation the validation file, or {@code null}
     * @param format the training file's format
     * @param examples the training file's examples
     * @param outputDir where checkpoints and the result go
     */
    static TrainingConfig trainingConfig(
            JobSpec spec,
            long seed,
            Path modelDir,
            Path train,
            Path validation,
            DatasetFormat format,
            long examples,
            Path outputDir) {
        int steps = steps(spec, examples);
        LoraConfig lora =
                spec.isLora()
                        ? new LoraConfig(
                                spec.lora().r(),
                                spec.lora().alpha(),
                                spec.lora().dropout(),
                                spec.lora().targetModules().stream().map(m -> m + "_proj").toList())
                        : null;
        boolean dpo = spec.method().equals("dpo");
        return new TrainingConfig(
                dpo
                        ? TrainingConfig.Method.DPO
                        : format == DatasetFormat.TEXT
                                ? TrainingConfig.Method.PRETRAIN
                                : TrainingConfig.Method.SFT,
                modelDir,
                outputDir,
                seed,
                new DataConfig(
                        train,
                        validation,
                        format.lineFormat(),
                        spec.maxSeqLength(),
                        spec.packing(),
                        spec.trainOnInputs(),
                        true),
                lora,
                new OptimizerConfig(spec.learningRate(), 0.01, 0.9, 0.999, 1e-8, 1.0),
                new ScheduleConfig(LrSchedule.Type.LINEAR, steps / 20, 0.0),
                new LoopConfig(
                        steps,
                        spec.batchSize(),
                        1,
                        validation == null ? 0 : Math.max(1, steps / 10),
                        Math.min(spec.checkpointInterval(), steps)),
                dpo ? DPO_STABILITY : StabilityConfig.DEFAULT,
                dpo ? new DpoConfig(spec.beta()) : null);
    }

    /** Optimizer steps of a job over {@code examples} examples. */
    static int steps(JobSpec spec, long examples) {
        long steps = (examples * spec.nEpochs() + spec.batchSize() - 1) / spec.batchSize();
        return (int) Math.max(1, Math.min(steps, Integer.MAX_VALUE));
    }
}
