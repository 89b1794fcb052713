package dev.anneal.tuner.registry;

import dev.anneal.store.ConflictException;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.model.ModelRepository;
import dev.anneal.store.model.RegisteredBaseModel;
import dev.anneal.tuner.checkpoint.HfCheckpoint;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.nano.AnnealNano;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The base models of this installation, in one list: the built-in toy {@code anneal-nano}
 * (standalone mode; {@code anneal.models.builtin=false} hides it), each sub-folder of {@code
 * ANNEAL_MODELS_DIR} that holds a Hugging Face model (its folder name the id), and the models an
 * administrator registered. Ids are unique across the three.
 */
@ApplicationScoped
public class BaseModelRegistry {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final ModelRepository repository;
    private final Optional<Path> modelsDir;
    private final Path builtinDir;
    private final boolean builtin;
    private Path nanoChecked;

    @Inject
    BaseModelRegistry(
            ModelRepository repository,
            @ConfigProperty(name = "anneal.models-dir") Optional<Path> modelsDir,
            @ConfigProperty(name = "anneal.data-dir") Path dataDir,
            @ConfigProperty(name = "anneal.models.builtin", defaultValue = "true")
                    boolean builtin) {
        this.repository = repository;
        this.modelsDir = modelsDir;
        this.builtinDir = dataDir.resolve("models");
        this.builtin = builtin;
    }

    /** Every base model: the built-in one, the models folder's, the registered ones. */
    public List<BaseModel> list() {
        List<BaseModel> models = new ArrayList<>();
        if (builtin) {
            models.add(nano());
        }
        models.addAll(fromModelsDir());
        for (RegisteredBaseModel registered : repository.baseModels()) {
            models.add(
                    describe(
                            registered.id(),
                            Path.of(registered.path()),
                            BaseModel.Source.REGISTERED,
                            registered.createdAt()));
        }
        return models;
    }

    /**
     * The base model {@code id}, looked up where {@link #list} would find it first: the built-in
     * one, the models folder's folder of that name, the registered one.
     */
    public Optional<BaseModel> find(String id) {
        if (builtin && AnnealNano.ID.equals(id)) {
            return Optional.of(nano());
        }
        Optional<BaseModel> inModelsDir = fromModelsDir(id);
        if (inModelsDir.isPresent()) {
            return inModelsDir;
        }
        return repository
                .baseModel(id)
                .map(
                        registered ->
                                describe(
                                        registered.id(),
                                        Path.of(registered.path()),
                                        BaseModel.Source.REGISTERED,
                                        registered.createdAt()));
    }

    /**
     * The folder of a base model, ready to load: the built-in toy is created on first use.
     *
     * @throws IllegalArgumentException if there is no such model
     */
    public Path folderOf(String id) {
        BaseModel model =
                find(id).orElseThrow(() -> new IllegalArgumentException("No base model " + id));
        if (model.source() == BaseModel.Source.BUILTIN) {
            return nanoFolder();
        }
        return model.path();
    }

    /**
     * Registers (or re-points) a base model after checking its folder: a supported {@code
     * config.json}, weights and a {@code tokenizer.json}.
     *
     * @throws InvalidRequestException naming {@code id} or {@code path} when either is unfit
     * @throws ConflictException if the id is the built-in model's or a models folder's
     */
    public BaseModel register(String id, String path) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidRequestException(
                    "'id' must be 1 to 128 characters of letters, digits, '.', '_' and '-',"
                            + " starting with a letter or digit.",
                    "id");
        }
        if (path == null || path.isBlank()) {
            throw new InvalidRequestException("'path' is required.", "path");
        }
        Optional<BaseModel> existing = find(id);
        if (existing.isPresent() && existing.get().source() != BaseModel.Source.REGISTERED) {
            throw new ConflictException(
                    "'"
                            + id
                            + "' is a "
                            + describe(existing.get().source())
                            + " and cannot be"
                            + " registered over.",
                    "id");
        }
        Path folder = Path.of(path).toAbsolutePath().normalize();
        String problem = problemWith(folder);
        if (problem != null) {
            throw new InvalidRequestException(
                    "'path' " + folder + " is not a usable model: " + problem, "path");
        }
        RegisteredBaseModel registered = repository.registerBaseModel(id, folder.toString());
        return describe(id, folder, BaseModel.Source.REGISTERED, registered.createdAt());
    }

    /** Why a folder is not a model this engine can fine-tune, or {@code null} if it is. */
    static String problemWith(Path folder) {
        if (!Files.isDirectory(folder)) {
            return "no such folder";
        }
        LlamaConfig config;
        try {
            config = LlamaConfig.load(folder);
        } catch (IOException | RuntimeException e) {
            return "config.json: " + e.getMessage();
        }
        if (!Files.isRegularFile(folder.resolve(HfCheckpoint.SINGLE_FILE))
                && !Files.isRegularFile(folder.resolve(HfCheckpoint.INDEX_FILE))) {
            return "no " + HfCheckpoint.SINGLE_FILE + " or " + HfCheckpoint.INDEX_FILE;
        }
        if (!Files.isRegularFile(folder.resolve("tokenizer.json"))) {
            return "no tokenizer.json";
        }
        try {
            Set<String> tensors = HfCheckpoint.open(folder).tensorNames();
            for (String expected : expectedTensors(config)) {
                if (!tensors.contains(expected)) {
                    return "the weights lack tensor " + expected;
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unreadable weights: " + e.getMessage();
        }
        return null;
    }

    /** The weight tensors a decoder of this configuration needs (biases aside). */
    private static List<String> expectedTensors(LlamaConfig config) {
        List<String> names = new ArrayList<>();
        names.add("model.embed_tokens.weight");
        names.add("model.norm.weight");
        if (!config.tieWordEmbeddings()) {
            names.add("lm_head.weight");
        }
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String layer = "model.layers." + i + ".";
            for (String p : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                names.add(layer + "self_attn." + p + ".weight");
            }
            for (String p : List.of("gate_proj", "up_proj", "down_proj")) {
                names.add(layer + "mlp." + p + ".weight");
            }
            names.add(layer + "input_layernorm.weight");
            names.add(layer + "post_attention_layernorm.weight");
        }
        return names;
    }

    /** The toy's folder, checked byte for byte once per process and cheaply afterwards. */
    private synchronized Path nanoFolder() {
        if (nanoChecked == null || !Files.isRegularFile(nanoChecked.resolve("config.json"))) {
            try {
                nanoChecked = AnnealNano.materialize(builtinDir);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not create " + AnnealNano.ID, e);
            }
        }
        return nanoChecked;
    }

    private BaseModel nano() {
        LlamaConfig config = AnnealNano.config();
        return new BaseModel(
                AnnealNano.ID,
                builtinDir.resolve(AnnealNano.ID),
                BaseModel.Source.BUILTIN,
                AnnealNano.DESCRIPTION,
                Instant.EPOCH,
                config.modelType(),
                config.maxPositionEmbeddings(),
                LoraConfig.ALL_MODULES);
    }

    /**
     * A model of a folder, its family and context length read from its {@code config.json}; a
     * folder that has become unreadable is still listed, as family {@code unknown} with no context
     * ({@code 0}), so that it can be seen and re-registered.
     */
    private static BaseModel describe(
            String id, Path folder, BaseModel.Source source, Instant createdAt) {
        String description =
                source == BaseModel.Source.REGISTERED
                        ? "Registered base model"
                        : "Base model from the models folder";
        try {
            LlamaConfig config = LlamaConfig.load(folder);
            return new BaseModel(
                    id,
                    folder,
                    source,
                    description,
                    createdAt,
                    config.modelType(),
                    config.maxPositionEmbeddings(),
                    LoraConfig.ALL_MODULES);
        } catch (IOException | RuntimeException e) {
            return new BaseModel(
                    id, folder, source, description, createdAt, "unknown", 0, List.of());
        }
    }

    private List<BaseModel> fromModelsDir() {
        if (modelsDir.isEmpty() || !Files.isDirectory(modelsDir.get())) {
            return List.of();
        }
        try (Stream<Path> folders = Files.list(modelsDir.get())) {
            return folders.filter(BaseModelRegistry::isModelsDirModel)
                    .sorted(Comparator.comparing(Path::getFileName))
                    .map(BaseModelRegistry::describeModelsDirModel)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list " + modelsDir.get(), e);
        }
    }

    /** The models folder's model {@code id}: its folder of that name, if usable. */
    private Optional<BaseModel> fromModelsDir(String id) {
        if (modelsDir.isEmpty() || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        Path folder = modelsDir.get().resolve(id);
        return isModelsDirModel(folder)
                ? Optional.of(describeModelsDirModel(folder))
                : Optional.empty();
    }

    private static boolean isModelsDirModel(Path folder) {
        return ID.matcher(folder.getFileName().toString()).matches() && problemWith(folder) == null;
    }

    private static BaseModel describeModelsDirModel(Path folder) {
        return describe(
                folder.getFileName().toString(),
                folder.toAbsolutePath().normalize(),
                BaseModel.Source.MODELS_DIR,
                modified(folder));
    }

    private static Instant modified(Path folder) {
        try {
            return Files.getLastModifiedTime(folder).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private static String describe(BaseModel.Source source) {
        return switch (source) {
            case BUILTIN -> "built-in model";
            case MODELS_DIR -> "model of the models folder";
            case REGISTERED -> "registered model";
        };
    }
}
