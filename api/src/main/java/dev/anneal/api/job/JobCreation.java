package dev.anneal.api.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.file.FilePurpose;
import dev.anneal.store.file.FileService;
import dev.anneal.store.file.StoredFile;
import dev.anneal.store.file.format.DatasetFormat;
import dev.anneal.store.job.FineTuningJob;
import dev.anneal.store.job.JobDefaults;
import dev.anneal.store.job.JobMethod;
import dev.anneal.store.job.JobRepository;
import dev.anneal.store.job.JobSpec;
import dev.anneal.store.job.TrainingType;
import dev.anneal.store.model.ModelRepository;
import dev.anneal.tuner.registry.BaseModel;
import dev.anneal.tuner.registry.BaseModelRegistry;
import dev.anneal.tuner.registry.TrainingMemory;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Checks a job request completely and resolves every "auto" before the job is queued, so that a job
 * that starts has what it needs: each mistake is a 400 naming its parameter, and nothing is stored.
 *
 * <p>{@code model} is a base model or one of the caller's fine-tuned models, to continue from it
 * (SFT, then DPO on top, for instance).
 *
 * <p>Defaults are {@link JobDefaults}'s: LoRA (r 8, alpha 16, dropout 0.05, on q_proj, k_proj,
 * v_proj, o_proj); {@code n_epochs} auto = 3; {@code batch_size} auto = 4 (at most the number of
 * examples); learning rate = multiplier (auto = 1) × 2e-4 for LoRA, 2e-5 for full fine-tuning;
 * {@code max_seq_length} = the smaller of 1024 and the model's context; packing on; loss on answers
 * only; a checkpoint every 50 steps.
 *
 * <p>Ranges, OpenAI's where it has one, so that no request can ask for unbounded work: {@code
 * n_epochs} 1–50, {@code batch_size} 1–256, {@code learning_rate_multiplier} above 0 up to 10,
 * {@code beta} above 0 up to 2, {@code learning_rate} between 0 and 1, {@code max_seq_length} 8 to
 * the model's context, {@code lora.r} 1–256, {@code lora.alpha} above 0 up to 1024, {@code
 * lora.dropout} 0 to below 1, {@code checkpoint_interval} 1–100,000 steps.
 */
@ApplicationScoped
public class JobCreation {

    static final int MAX_EPOCHS = 50;
    static final int MAX_BATCH_SIZE = 256;
    static final double MAX_LEARNING_RATE_MULTIPLIER = 10;
    static final double MAX_BETA = 2;
    static final int MAX_LORA_RANK = 256;
    static final double MAX_LORA_ALPHA = 1024;
    static final int MAX_CHECKPOINT_INTERVAL = 100_000;

    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JobRepository jobs;
    private final FileService files;
    private final BaseModelRegistry models;
    private final ModelRepository fineTuned;
    private final long memoryBudget;

    @Inject
    JobCreation(
            JobRepository jobs,
            FileService files,
            BaseModelRegistry models,
            ModelRepository fineTuned,
            @ConfigProperty(name = "anneal.tuner.memory") Optional<MemorySize> memory) {
        this.memoryBudget =
                memory.map(MemorySize::asLongValue).orElseGet(JobCreation::defaultMemoryBudget);
        this.jobs = jobs;
        this.files = files;
        this.models = models;
        this.fineTuned = fineTuned;
    }

    /** Checks the request and queues the job. */
    public FineTuningJob create(CreateJobRequest request) {
        if (request.model() == null || request.model().isBlank()) {
            throw invalid("'model' is required.", "model");
        }
        BaseModel baseModel = baseModelOf(request.model());
        if (request.integrations() != null && !request.integrations().isEmpty()) {
            throw invalid("No integrations are supported.", "integrations");
        }
        JobMethod method = methodType(request.method());
        CreateJobRequest.Hyperparameters hyper = hyperparameters(request, method);
        StoredFile training = dataset(request.trainingFile(), "training_file", method);
        if (request.validationFile() != null) {
            StoredFile validation = dataset(request.validationFile(), "validation_file", method);
            if (validation.format() != training.format()) {
                throw invalid(
                        "'validation_file' is "
                                + validation.format().wireName()
                                + " data but 'training_file' is "
                                + training.format().wireName()
                                + "; they must have the same format.",
                        "validation_file");
            }
        }
        if (request.suffix() != null && !SUFFIX.matcher(request.suffix()).matches()) {
            throw invalid("'suffix' must be 1 to 64 letters, digits, '.', '_' or '-'.", "suffix");
        }
        checkMetadata(request.metadata());

        TrainingType trainingType =
                request.trainingType() == null ? TrainingType.LORA : request.trainingType();
        if (trainingType != TrainingType.LORA && request.lora() != null) {
            throw invalid("'lora' applies only to training_type 'lora'.", "lora");
        }
        JobSpec.Lora adapter =
                trainingType == TrainingType.LORA ? lora(request.lora(), baseModel) : null;
        int epochs =
                positiveInt(
                        hyper == null ? null : hyper.nEpochs(),
                        JobDefaults.N_EPOCHS,
                        1,
                        MAX_EPOCHS,
                        "n_epochs");
        int batch =
                positiveInt(
                        hyper == null ? null : hyper.batchSize(),
                        (int) Math.max(1, Math.min(JobDefaults.BATCH_SIZE, training.lineCount())),
                        1,
                        MAX_BATCH_SIZE,
                        "batch_size");
        double multiplier =
                positiveDouble(
                        hyper == null ? null : hyper.learningRateMultiplier(),
                        JobDefaults.LEARNING_RATE_MULTIPLIER,
                        MAX_LEARNING_RATE_MULTIPLIER,
                        "learning_rate_multiplier");
        double learningRate;
        if (request.learningRate() != null) {
            if (!(request.learningRate() > 0 && request.learningRate() < 1)) {
                throw invalid("'learning_rate' must be between 0 and 1.", "learning_rate");
            }
            learningRate = request.learningRate();
        } else {
            learningRate = multiplier * JobDefaults.baseLearningRate(trainingType);
        }
        Double beta = null;
        if (method == JobMethod.DPO) {
            beta =
                    positiveDouble(
                            hyper == null ? null : hyper.beta(),
                            JobDefaults.DPO_BETA,
                            MAX_BETA,
                            "beta");
        } else if (hyper != null && hyper.beta() != null) {
            throw invalid("'beta' applies to method 'dpo' only.", "beta");
        }
        int contextLength = contextLength(baseModel);
        int maxSeq =
                request.maxSeqLength() == null
                        ? Math.min(JobDefaults.MAX_SEQ_LENGTH, contextLength)
                        : request.maxSeqLength();
        if (maxSeq < 8 || maxSeq > contextLength) {
            throw invalid(
                    "'max_seq_length' must be between 8 and the model's context of "
                            + contextLength
                            + " tokens.",
                    "max_seq_length");
        }
        if (method == JobMethod.DPO && Boolean.TRUE.equals(request.trainOnInputs())) {
            throw invalid(
                    "'train_on_inputs' does not apply to dpo: its loss is on the answers.",
                    "train_on_inputs");
        }
        int checkpointInterval =
                request.checkpointInterval() == null
                        ? JobDefaults.CHECKPOINT_INTERVAL
                        : request.checkpointInterval();
        if (checkpointInterval < 1 || checkpointInterval > MAX_CHECKPOINT_INTERVAL) {
            throw invalid(
                    "'checkpoint_interval' must be from 1 to "
                            + MAX_CHECKPOINT_INTERVAL
                            + " steps.",
                    "checkpoint_interval");
        }
        JobSpec spec =
                new JobSpec(
                        method,
                        trainingType,
                        epochs,
                        batch,
                        multiplier,
                        learningRate,
                        adapter,
                        maxSeq,
                        request.packing() == null || request.packing(),
                        request.trainOnInputs() != null && request.trainOnInputs(),
                        checkpointInterval,
                        beta);
        requireMemory(baseModel, spec, training.bytes());
        long seed = request.seed() == null ? RANDOM.nextInt(Integer.MAX_VALUE) : request.seed();
        return jobs.create(
                request.model(),
                training.id(),
                request.validationFile(),
                request.suffix(),
                seed,
                spec,
                request.metadata());
    }

    /**
     * The base model at the root of {@code model}: itself, or for one of the caller's fine-tuned
     * models (a job may continue from it), the base its lineage started from.
     */
    private BaseModel baseModelOf(String model) {
        Optional<BaseModel> base = models.find(model);
        if (base.isPresent()) {
            return base.get();
        }
        return fineTuned
                .findFineTuned(model)
                .map(m -> baseModelOf(m.baseModel()))
                .orElseThrow(
                        () ->
                                new InvalidRequestException(
                                        "The model '"
                                                + model
                                                + "' does not exist; GET /v1/models lists the"
                                                + " base models and your fine-tuned ones.",
                                        "model",
                                        "model_not_found"));
    }

    private static JobMethod methodType(CreateJobRequest.Method method) {
        if (method == null || method.type() == null) {
            return JobMethod.SUPERVISED;
        }
        JobMethod type = method.type();
        JobMethod other = type == JobMethod.DPO ? JobMethod.SUPERVISED : JobMethod.DPO;
        if ((type == JobMethod.DPO ? method.supervised() : method.dpo()) != null) {
            throw invalid(
                    "'method."
                            + other.wireName()
                            + "' does not go with type '"
                            + type.wireName()
                            + "'.",
                    "method." + other.wireName());
        }
        return type;
    }

    private static CreateJobRequest.Hyperparameters hyperparameters(
            CreateJobRequest request, JobMethod method) {
        CreateJobRequest.Section section = null;
        if (request.method() != null) {
            section =
                    method == JobMethod.DPO
                            ? request.method().dpo()
                            : request.method().supervised();
        }
        CreateJobRequest.Hyperparameters inMethod =
                section == null ? null : section.hyperparameters();
        if (inMethod != null && request.hyperparameters() != null) {
            throw invalid(
                    "Give hyper-parameters either in 'method' or at the top level, not both.",
                    "hyperparameters");
        }
        return inMethod != null ? inMethod : request.hyperparameters();
    }

    private StoredFile dataset(String fileId, String param, JobMethod method) {
        if (fileId == null || fileId.isBlank()) {
            throw invalid("'" + param + "' is required.", param);
        }
        StoredFile file;
        try {
            file = files.get(fileId);
        } catch (NotFoundException e) {
            throw new InvalidRequestException(
                    "No file found with id '" + fileId + "'.", param, "file_not_found");
        }
        if (file.purpose() != FilePurpose.FINE_TUNE) {
            throw invalid(
                    "File '"
                            + fileId
                            + "' has purpose '"
                            + file.purpose().wireName()
                            + "'; training data has purpose 'fine-tune'.",
                    param);
        }
        DatasetFormat format = file.format();
        boolean fits =
                method == JobMethod.DPO
                        ? format == DatasetFormat.PREFERENCE
                        : format != DatasetFormat.PREFERENCE;
        if (!fits) {
            throw new InvalidRequestException(
                    "File '"
                            + fileId
                            + "' holds "
                            + format.wireName()
                            + " data, which method '"
                            + method.wireName()
                            + "' cannot train on ("
                            + (method == JobMethod.DPO
                                    ? "dpo takes preference pairs"
                                    : "supervised takes chat, prompt_completion or text")
                            + ").",
                    param,
                    "invalid_file_format");
        }
        return file;
    }

    private static JobSpec.Lora lora(CreateJobRequest.Lora lora, BaseModel baseModel) {
        int r = lora == null || lora.r() == null ? JobDefaults.LORA_RANK : lora.r();
        if (r < 1 || r > MAX_LORA_RANK) {
            throw invalid("'lora.r' must be from 1 to " + MAX_LORA_RANK + ".", "lora.r");
        }
        double alpha =
                lora == null || lora.alpha() == null ? JobDefaults.loraAlpha(r) : lora.alpha();
        if (!(alpha > 0 && alpha <= MAX_LORA_ALPHA)) {
            throw invalid(
                    "'lora.alpha' must be positive and at most " + MAX_LORA_ALPHA + ".",
                    "lora.alpha");
        }
        double dropout =
                lora == null || lora.dropout() == null ? JobDefaults.LORA_DROPOUT : lora.dropout();
        if (!(dropout >= 0 && dropout < 1)) {
            throw invalid("'lora.dropout' must be at least 0 and below 1.", "lora.dropout");
        }
        List<String> modules =
                lora == null || lora.targetModules() == null
                        ? JobDefaults.LORA_TARGET_MODULES
                        : lora.targetModules();
        Set<String> unique = new LinkedHashSet<>();
        for (String module : modules) {
            if (!baseModel.loraTargetModules().contains(module)) {
                throw invalid(
                        "'lora.target_modules' holds '"
                                + module
                                + "'; choose among "
                                + String.join(", ", baseModel.loraTargetModules())
                                + ".",
                        "lora.target_modules");
            }
            unique.add(module);
        }
        if (unique.isEmpty()) {
            throw invalid(
                    "'lora.target_modules' must name at least one module.", "lora.target_modules");
        }
        return new JobSpec.Lora(r, alpha, dropout, new ArrayList<>(unique));
    }

    private static void checkMetadata(Map<String, String> metadata) {
        if (metadata == null) {
            return;
        }
        if (metadata.size() > 16) {
            throw invalid("'metadata' holds at most 16 pairs.", "metadata");
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().length() > 64 || e.getValue() == null || e.getValue().length() > 512) {
                throw invalid(
                        "'metadata' keys are at most 64 characters and values at most 512.",
                        "metadata." + e.getKey());
            }
        }
    }

    /**
     * Refuses a job whose estimated peak memory ({@link TrainingMemory}) is beyond a worker's
     * budget, {@code anneal.tuner.memory}. A DPO step holds two sequences per pair.
     */
    private void requireMemory(BaseModel model, JobSpec spec, long datasetBytes) {
        boolean full = spec.trainingType() == TrainingType.FULL;
        int sequences = spec.method() == JobMethod.DPO ? 2 * spec.batchSize() : spec.batchSize();
        Optional<TrainingMemory> estimate =
                TrainingMemory.estimate(
                        model,
                        full,
                        full ? 0 : spec.lora().r(),
                        full ? List.of() : spec.lora().targetModules(),
                        sequences,
                        spec.maxSeqLength(),
                        datasetBytes);
        if (estimate.isPresent() && estimate.get().total() > memoryBudget) {
            throw new InvalidRequestException(
                    "This job needs about "
                            + estimate.get().describe()
                            + ", more than a worker's "
                            + TrainingMemory.gib(memoryBudget)
                            + " (ANNEAL_TUNER_MEMORY). Lower batch_size or max_seq_length, train"
                            + " a LoRA adapter instead of all weights, or split the training"
                            + " file.",
                    "batch_size",
                    "insufficient_memory");
        }
    }

    /** Four fifths of the machine's memory: libtorch allocates outside the Java heap. */
    private static long defaultMemoryBudget() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean machine) {
            return machine.getTotalMemorySize() / 5 * 4;
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static int contextLength(BaseModel model) {
        if (model.contextLength() <= 0) {
            throw invalid("The model '" + model.id() + "' cannot be read.", "model");
        }
        return model.contextLength();
    }

    private static int positiveInt(JsonNode value, int auto, int min, int max, String param) {
        if (value == null
                || value.isNull()
                || (value.isTextual() && value.asText().equals("auto"))) {
            return auto;
        }
        if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
            throw invalid(
                    "'"
                            + param
                            + "' must be \"auto\" or an integer from "
                            + min
                            + " to "
                            + max
                            + ".",
                    param);
        }
        return value.asInt();
    }

    private static double positiveDouble(JsonNode value, double auto, double max, String param) {
        if (value == null
                || value.isNull()
                || (value.isTextual() && value.asText().equals("auto"))) {
            return auto;
        }
        if (!value.isNumber() || !(value.asDouble() > 0) || value.asDouble() > max) {
            throw invalid(
                    "'" + param + "' must be \"auto\" or a number above 0 and at most " + max + ".",
                    param);
        }
        return value.asDouble();
    }

    private static InvalidRequestException invalid(String message, String param) {
        return new InvalidRequestException(message, param);
    }
}
