package dev.anneal.tuner.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.anneal.tuner.data.LineFormat;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.optim.LrSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A training recipe, as written in YAML ({@code tuner/engine/recipes/<size>_<method>.yaml}):
 *
 * <pre>
 * method: sft                      # sft (chat, prompt_completion), pretrain (text) or dpo (preference)
 * model: tuner/engine/models/stories260K
 * output_dir: runs/stories260k_lora
 * seed: 42
 * data: {train: ..., validation: ..., max_seq_length: 256, packing: true, train_on_inputs: false}
 * lora: {r: 8, alpha: 16, dropout: 0.05, target_modules: [q, k, v, o]}   # absent: full
 * optimizer: {lr: 3e-4, weight_decay: 0.01, max_grad_norm: 1.0}
 * schedule: {type: cosine, warmup_steps: 10, min_lr_ratio: 0.1}
 * training: {max_steps: 200, batch_size: 8, gradient_accumulation_steps: 1, eval_every: 50,
 *            checkpoint_every: 100}
 * stability: {spike_factor: 3.0, spike_window: 20, snapshot_every: 10, lr_backoff: 0.5}
 * dpo: {beta: 0.1}                 # method dpo only
 * </pre>
 *
 * <p>Relative paths are resolved against the working directory. Every value is validated when the
 * record is built, with a message naming its key, so a bad recipe fails before any model is loaded;
 * unknown keys are errors.
 *
 * @param method {@code method}
 * @param modelDir {@code model}: a Hugging Face model folder
 * @param outputDir {@code output_dir}: where checkpoints go
 * @param seed {@code seed}: data order, adapter initialisation and dropout (default 42)
 * @param data {@code data}
 * @param lora {@code lora}, or {@code null} for full fine-tuning
 * @param optimizer {@code optimizer}
 * @param schedule {@code schedule}
 * @param training {@code training}
 * @param stability {@code stability}
 * @param dpo {@code dpo}: with method dpo, its settings (the defaults when the section is absent);
 *     otherwise {@code null}
 */
public record TrainingConfig(
        Method method,
        Path modelDir,
        Path outputDir,
        long seed,
        DataConfig data,
        LoraConfig lora,
        OptimizerConfig optimizer,
        ScheduleConfig schedule,
        LoopConfig training,
        StabilityConfig stability,
        DpoConfig dpo) {

    /** The training methods. */
    public enum Method {
        /** Supervised fine-tuning on chat or prompt-completion data. */
        SFT,
        /** Continued pre-training on raw text. */
        PRETRAIN,
        /** Direct Preference Optimization on preference data. */
        DPO;

        /** The name recipes use. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Validates the combination of sections; each section validates itself. */
    public TrainingConfig {
        Objects.requireNonNull(method, "method is required");
        Objects.requireNonNull(modelDir, "model is required");
        Objects.requireNonNull(outputDir, "output_dir is required");
        Objects.requireNonNull(data, "data is required");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(training, "training is required");
        Objects.requireNonNull(stability, "stability");
        if (method == Method.SFT && data.format() == LineFormat.TEXT) {
            throw new IllegalArgumentException(
                    "data.format: text data is for method pretrain; sft takes chat or"
                            + " prompt_completion");
        }
        if (method != Method.DPO && data.format() == LineFormat.PREFERENCE) {
            throw new IllegalArgumentException(
                    "data.format: preference data is for method dpo, not " + method.wireName());
        }
        if (method == Method.PRETRAIN
                && data.format() != null
                && data.format() != LineFormat.TEXT) {
            throw new IllegalArgumentException(
                    "data.format: method pretrain takes text data, got "
                            + data.format().wireName());
        }
        if (method == Method.DPO) {
            if (data.format() != null && data.format() != LineFormat.PREFERENCE) {
                throw new IllegalArgumentException(
                        "data.format: method dpo takes preference data, got "
                                + data.format().wireName());
            }
            if (data.trainOnInputs()) {
                throw new IllegalArgumentException(
                        "data.train_on_inputs: method dpo scores completions only");
            }
            dpo = dpo == null ? DpoConfig.DEFAULT : dpo;
        } else if (dpo != null) {
            throw new IllegalArgumentException(
                    "dpo: the section is for method dpo, not " + method.wireName());
        }
        if (schedule.warmupSteps() > training.maxSteps()) {
            throw new IllegalArgumentException(
                    "schedule.warmup_steps ("
                            + schedule.warmupSteps()
                            + ") exceeds training.max_steps ("
                            + training.maxSteps()
                            + ")");
        }
    }

    /**
     * A configuration without a {@code dpo} section: sft or pretrain, or dpo with its defaults.
     *
     * @param method {@code method}
     * @param modelDir {@code model}
     * @param outputDir {@code output_dir}
     * @param seed {@code seed}
     * @param data {@code data}
     * @param lora {@code lora}, or {@code null} for full fine-tuning
     * @param optimizer {@code optimizer}
     * @param schedule {@code schedule}
     * @param training {@code training}
     * @param stability {@code stability}
     */
    public TrainingConfig(
            Method method,
            Path modelDir,
            Path outputDir,
            long seed,
            DataConfig data,
            LoraConfig lora,
            OptimizerConfig optimizer,
            ScheduleConfig schedule,
            LoopConfig training,
            StabilityConfig stability) {
        this(
                method, modelDir, outputDir, seed, data, lora, optimizer, schedule, training,
                stability, null);
    }

    /** The learning-rate schedule this recipe describes. */
    public LrSchedule lrSchedule() {
        return new LrSchedule(
                schedule.type(),
                optimizer.lr(),
                schedule.warmupSteps(),
                training.maxSteps(),
                schedule.minLrRatio());
    }

    /**
     * Reads a YAML recipe.
     *
     * @param file the recipe
     * @return the validated configuration
     * @throws IOException if the file cannot be read or is not YAML
     * @throws IllegalArgumentException if a value is missing or invalid, naming its key
     */
    public static TrainingConfig load(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /**
     * Parses a YAML recipe.
     *
     * @param yaml the recipe's text
     * @return the validated configuration
     * @throws IOException if the text is not YAML
     * @throws IllegalArgumentException if a value is missing or invalid, naming its key
     */
    public static TrainingConfig parse(String yaml) throws IOException {
        JsonNode root = YAML.readTree(yaml);
        ConfigReader top = new ConfigReader(root, "");
        top.allowOnly(
                Set.of(
                        "method",
                        "model",
                        "output_dir",
                        "seed",
                        "data",
                        "lora",
                        "optimizer",
                        "schedule",
                        "training",
                        "stability",
                        "dpo"));
        String methodName = top.requiredString("method");
        Method method;
        try {
            method = Method.valueOf(methodName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "method must be sft, pretrain or dpo, got '" + methodName + "'");
        }
        return new TrainingConfig(
                method,
                Path.of(top.requiredString("model")),
                Path.of(top.requiredString("output_dir")),
                top.longInteger("seed", 42),
                data(top.section("data")),
                lora(top.section("lora")),
                optimizer(top.section("optimizer")),
                schedule(top.section("schedule")),
                loop(top.section("training")),
                stability(top.section("stability")),
                dpo(top.section("dpo")));
    }

    private static DataConfig data(ConfigReader data) {
        if (!data.isPresent()) {
            throw new IllegalArgumentException("data is required");
        }
        data.allowOnly(
                Set.of(
                        "train",
                        "validation",
                        "format",
                        "max_seq_length",
                        "packing",
                        "train_on_inputs",
                        "shuffle"));
        String format = data.string("format", null);
        LineFormat parsed;
        try {
            parsed = format == null ? null : LineFormat.fromWireName(format);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("data.format: " + e.getMessage());
        }
        return new DataConfig(
                Path.of(data.requiredString("train")),
                data.path("validation"),
                parsed,
                data.integer("max_seq_length", 512),
                data.bool("packing", true),
                data.bool("train_on_inputs", false),
                data.bool("shuffle", true));
    }

    private static LoraConfig lora(ConfigReader lora) {
        if (!lora.isPresent()) {
            return null;
        }
        lora.allowOnly(Set.of("r", "alpha", "dropout", "target_modules"));
        return new LoraConfig(
                lora.integer("r", 8),
                lora.number("alpha", 16),
                lora.number("dropout", 0.0),
                lora.strings("target_modules", LoraConfig.ALL_MODULES));
    }

    private static OptimizerConfig optimizer(ConfigReader optimizer) {
        optimizer.allowOnly(Set.of("lr", "weight_decay", "beta1", "beta2", "eps", "max_grad_norm"));
        return new OptimizerConfig(
                optimizer.number("lr", 2e-4),
                optimizer.number("weight_decay", 0.0),
                optimizer.number("beta1", 0.9),
                optimizer.number("beta2", 0.999),
                optimizer.number("eps", 1e-8),
                optimizer.number("max_grad_norm", 1.0));
    }

    private static ScheduleConfig schedule(ConfigReader schedule) {
        schedule.allowOnly(Set.of("type", "warmup_steps", "min_lr_ratio"));
        return new ScheduleConfig(
                LrSchedule.Type.fromName(schedule.string("type", "cosine")),
                schedule.integer("warmup_steps", 0),
                schedule.number("min_lr_ratio", 0.0));
    }

    private static LoopConfig loop(ConfigReader training) {
        if (!training.isPresent()) {
            throw new IllegalArgumentException("training is required (training.max_steps)");
        }
        training.allowOnly(
                Set.of(
                        "max_steps",
                        "batch_size",
                        "gradient_accumulation_steps",
                        "eval_every",
                        "checkpoint_every"));
        return new LoopConfig(
                training.requiredInteger("max_steps"),
                training.integer("batch_size", 8),
                training.integer("gradient_accumulation_steps", 1),
                training.integer("eval_every", 0),
                training.integer("checkpoint_every", 0));
    }

    private static StabilityConfig stability(ConfigReader stability) {
        StabilityConfig d = StabilityConfig.DEFAULT;
        stability.allowOnly(
                Set.of(
                        "skip_non_finite",
                        "spike_factor",
                        "spike_window",
                        "min_history",
                        "snapshot_every",
                        "lr_backoff",
                        "max_rollbacks",
                        "lr_recovery_steps"));
        return new StabilityConfig(
                stability.bool("skip_non_finite", d.skipNonFinite()),
                stability.number("spike_factor", d.spikeFactor()),
                stability.integer("spike_window", d.spikeWindow()),
                stability.integer("min_history", d.minHistory()),
                stability.integer("snapshot_every", d.snapshotEvery()),
                stability.number("lr_backoff", d.lrBackoff()),
                stability.integer("max_rollbacks", d.maxRollbacks()),
                stability.integer("lr_recovery_steps", d.lrRecoverySteps()));
    }

    private static DpoConfig dpo(ConfigReader dpo) {
        if (!dpo.isPresent()) {
            return null;
        }
        dpo.allowOnly(Set.of("beta"));
        return new DpoConfig(dpo.number("beta", DpoConfig.DEFAULT.beta()));
    }
}
