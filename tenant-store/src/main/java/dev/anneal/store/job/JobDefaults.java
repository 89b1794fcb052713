package dev.anneal.store.job;

import java.util.List;

/**
 * What a job does where its request says nothing ({@code "auto"}, or a field left out), in one
 * place: the API resolves the request's defaults from here and shows them in the job object; the
 * worker applies the training settings a request cannot change (optimizer, schedule, evaluation)
 * from here too.
 */
public final class JobDefaults {

    /** {@code n_epochs}: passes over the training file. */
    public static final int N_EPOCHS = 3;

    /** {@code batch_size}: examples per step, at most the file's examples. */
    public static final int BATCH_SIZE = 4;

    /** {@code learning_rate_multiplier}: the factor of the base learning rate. */
    public static final double LEARNING_RATE_MULTIPLIER = 1.0;

    /** {@code max_seq_length}: the smaller of this and the model's context. */
    public static final int MAX_SEQ_LENGTH = 1024;

    /** {@code checkpoint_interval}: steps between checkpoints. */
    public static final int CHECKPOINT_INTERVAL = 50;

    /** {@code lora.r}: the adapter's rank; {@code lora.alpha} defaults to twice the rank. */
    public static final int LORA_RANK = 8;

    /** {@code lora.dropout}: dropout on the adapter's input. */
    public static final double LORA_DROPOUT = 0.05;

    /** {@code lora.target_modules}: the attention projections. */
    public static final List<String> LORA_TARGET_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj");

    /** DPO's β. */
    public static final double DPO_BETA = 0.1;

    /** AdamW's decoupled weight decay (not settable by a request). */
    public static final double WEIGHT_DECAY = 0.01;

    /** AdamW's β1 (not settable by a request). */
    public static final double ADAM_BETA1 = 0.9;

    /** AdamW's β2 (not settable by a request). */
    public static final double ADAM_BETA2 = 0.999;

    /** AdamW's ε (not settable by a request). */
    public static final double ADAM_EPSILON = 1e-8;

    /** Gradient norms are clipped to this (not settable by a request). */
    public static final double MAX_GRAD_NORM = 1.0;

    /** The learning rate warms up over this share of the steps, then decays linearly to zero. */
    public static final int WARMUP_STEPS_PER_100 = 5;

    /** With a validation file, the validation loss is measured about this many times per run. */
    public static final int VALIDATIONS_PER_RUN = 10;

    private JobDefaults() {}

    /** The learning rate that a multiplier of 1 stands for: 2e-4 for LoRA, 2e-5 for full. */
    public static double baseLearningRate(TrainingType type) {
        return type == TrainingType.LORA ? 2e-4 : 2e-5;
    }

    /** {@code lora.alpha} when the request gives only the rank. */
    public static double loraAlpha(int rank) {
        return 2.0 * rank;
    }
}
