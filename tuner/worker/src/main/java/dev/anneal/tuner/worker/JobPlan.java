package dev.anneal.tuner.worker;

import dev.anneal.store.file.format.DatasetFormat;
import dev.anneal.store.job.JobDefaults;
import dev.anneal.store.job.JobMethod;
import dev.anneal.store.job.JobSpec;
import dev.anneal.tuner.lora.LoraConfig;
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
 * <p>Steps: {@code ceil(n_epochs × examples / batch_size)}. The settings a request cannot change
 * are {@link JobDefaults}'s: linear decay to zero after a warm-up of 5% of the steps, as OpenAI's
 * jobs do; AdamW with β = (0.9, 0.999), weight decay 0.01, gradient norms clipped at 1; validation
 * (with a validation file) about ten times per run and at the end; the engine's loss-spike guard
 * with its defaults.
 */
final class JobPlan {

    /**
     * DPO's loss heads for zero as the pairs are learnt, so a ratio against its recent level says
     * nothing: loss-spike rollback is off for DPO jobs; the non-finite guard stays.
     */
    private static final StabilityConfig DPO_STABILITY = StabilityConfig.DEFAULT.withSpikeFactor(0);

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
                        ? LoraConfig.rank(spec.lora().r())
                                .withAlpha(spec.lora().alpha())
                                .withDropout(spec.lora().dropout())
                                .withTargetModules(spec.lora().targetModules())
                        : null;
        boolean dpo = spec.method() == JobMethod.DPO;
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
                        /* shuffle */ true),
                lora,
                OptimizerConfig.adamW(spec.learningRate())
                        .withWeightDecay(JobDefaults.WEIGHT_DECAY)
                        .withBetas(JobDefaults.ADAM_BETA1, JobDefaults.ADAM_BETA2)
                        .withEps(JobDefaults.ADAM_EPSILON)
                        .withMaxGradNorm(JobDefaults.MAX_GRAD_NORM),
                ScheduleConfig.linear(steps * JobDefaults.WARMUP_STEPS_PER_100 / 100),
                LoopConfig.steps(steps, spec.batchSize())
                        .withEvalEvery(
                                validation == null
                                        ? 0
                                        : Math.max(1, steps / JobDefaults.VALIDATIONS_PER_RUN))
                        .withCheckpointEvery(Math.min(spec.checkpointInterval(), steps)),
                dpo ? DPO_STABILITY : StabilityConfig.DEFAULT,
                dpo ? new DpoConfig(spec.beta()) : null);
    }

    /** Optimizer steps of a job over {@code examples} examples. */
    static int steps(JobSpec spec, long examples) {
        long steps = (examples * spec.nEpochs() + spec.batchSize() - 1) / spec.batchSize();
        return (int) Math.max(1, Math.min(steps, Integer.MAX_VALUE));
    }
}
