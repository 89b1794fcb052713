package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.anneal.tuner.checkpoint.CheckpointException;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.model.ProjectionFactory;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One base model, loaded once, serving any number of LoRA adapters chosen per request (in the
 * manner of <a href="https://github.com/predibase/lorax">LoRAX</a>): adapters are registered by id
 * from PEFT folders and removed at run time; {@link #forAdapter(String)} hands a request the {@link
 * CausalLm} of its adapter, {@link #base()} that of the plain base model.
 *
 * <p>The base weights are loaded once and never copied: every projection is a {@link
 * MultiLoraLinear} holding only the base weight, and adds the update of the adapter the forward
 * pass names. Adapters may differ in rank, alpha and target modules.
 *
 * <p>Threading: every method may be called from any thread. The adapter a pass applies travels with
 * the call (in the view's parameter store), never through shared mutable state, so requests with
 * different adapters run concurrently and each gets the result it would get alone. Registering or
 * removing an adapter does not disturb requests in flight: a view leases its adapter's weights
 * until closed.
 *
 * <p>Adapter validation: every tensor must belong to a projection of the base and a module of its
 * {@code target_modules}, every targeted projection must have A {@code [r, in]} and B {@code [out,
 * r]}, and {@code base_model_name_or_path}, when set, must name the served base (the same folder,
 * or a path or hub id whose last segment is the base folder's name).
 */
public final class MultiAdapterModel implements AutoCloseable {

    private final Path baseModelDir;
    private final NDManager manager;
    private final LlamaForCausalLM base;
    private final Map<String, MultiLoraLinear> projections;
    private final ConcurrentMap<String, LoadedAdapter> adapters = new ConcurrentHashMap<>();
    private final AdapterView baseView;

    private MultiAdapterModel(
            Path baseModelDir,
            NDManager manager,
            LlamaForCausalLM base,
            Map<String, MultiLoraLinear> projections) {
        this.baseModelDir = baseModelDir;
        this.manager = manager;
        this.base = base;
        this.projections = Collections.unmodifiableMap(projections);
        this.baseView = new AdapterView(base, List.of(), manager);
    }

    /**
     * Loads the base model, with no adapter registered yet.
     *
     * @param baseModelDir the Hugging Face folder of the base model
     * @param parent the manager under which the server's own manager is created
     * @return the server; close it to free the base and every adapter
     * @throws IOException if the base model cannot be loaded
     */
    public static MultiAdapterModel load(Path baseModelDir, NDManager parent) throws IOException {
        return load(
                baseModelDir,
                parent,
                (manager, projections) -> HfModelLoader.load(baseModelDir, manager, projections));
    }

    /** Builds a base model with the projections a factory makes, its weights from wherever. */
    @FunctionalInterface
    public interface BaseLoader {

        /**
         * Builds the model and loads its weights.
         *
         * @param manager the manager that will own the weights
         * @param projections the factory every q,k,v,o,gate,up,down projection must come from
         * @return the model
         * @throws IOException if the weights cannot be read
         */
        LlamaForCausalLM load(NDManager manager, ProjectionFactory projections) throws IOException;
    }

    /**
     * Loads a base model from wherever its loader reads it, such as a full fine-tune's archive held
     * in memory, with no adapter registered yet.
     *
     * @param source where the base comes from, for adapter validation and messages
     * @param parent the manager under which the server's own manager is created
     * @param loader builds the model with the projections it is given
     * @return the server; close it to free the base and every adapter
     * @throws IOException if the base model cannot be loaded
     */
    public static MultiAdapterModel load(Path source, NDManager parent, BaseLoader loader)
            throws IOException {
        Map<String, MultiLoraLinear> projections = new LinkedHashMap<>();
        ProjectionFactory factory =
                (modulePath, inFeatures, outFeatures, bias) -> {
                    MultiLoraLinear projection =
                            new MultiLoraLinear(modulePath, inFeatures, outFeatures, bias);
                    projections.put(modulePath, projection);
                    return (Block) projection;
                };
        NDManager manager = parent.newSubManager();
        try {
            LlamaForCausalLM base = loader.load(manager, factory);
            return new MultiAdapterModel(source, manager, base, projections);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Loads a PEFT adapter folder and registers it.
     *
     * @param id the id requests will choose it by
     * @param adapterDir the folder holding {@code adapter_config.json} and {@code
     *     adapter_model.safetensors}
     * @return what was registered
     * @throws CheckpointException if the adapter does not fit the base model
     * @throws IllegalArgumentException if {@code id} is already registered
     * @throws IOException if a file is missing or unreadable
     */
    public ServedAdapter register(String id, Path adapterDir) throws IOException {
        return register(id, adapterDir, null, manager -> PeftAdapter.load(adapterDir, manager));
    }

    /**
     * Where an adapter's weights come from: a folder, or bytes held in memory.
     *
     * <p>For example {@code manager -> PeftAdapter.read(config, weights, source, manager)} for an
     * adapter unpacked in memory from an encrypted archive.
     */
    @FunctionalInterface
    public interface AdapterSource {

        /**
         * Loads the adapter.
         *
         * @param manager the manager that must own its arrays
         * @return the adapter
         * @throws IOException if it cannot be read
         */
        PeftAdapter load(NDManager manager) throws IOException;
    }

    /**
     * Loads an adapter from any source and registers it.
     *
     * @param id the id requests will choose it by
     * @param source where it comes from, for messages and {@link ServedAdapter#source()}
     * @param servedBaseId another name the served base goes by (the platform's model id), which the
     *     adapter's {@code base_model_name_or_path} may use; {@code null} for none
     * @param loader reads the adapter into the manager it is given
     * @return what was registered
     * @throws CheckpointException if the adapter does not fit the base model
     * @throws IllegalArgumentException if {@code id} is already registered
     * @throws IOException if the adapter cannot be read
     */
    public ServedAdapter register(String id, Path source, String servedBaseId, AdapterSource loader)
            throws IOException {
        Objects.requireNonNull(id, "id");
        if (adapters.containsKey(id)) {
            throw new IllegalArgumentException("An adapter is already registered as '" + id + "'");
        }
        NDManager adapterManager = manager.newSubManager();
        LoadedAdapter loaded;
        try {
            PeftAdapter adapter = loader.load(adapterManager);
            ServedAdapter info =
                    new ServedAdapter(id, source, adapter.config(), adapter.baseModelNameOrPath());
            if (servedBaseId == null || !servedBaseId.equals(info.baseModelNameOrPath().strip())) {
                requireSameBase(info);
            }
            loaded = LoadedAdapter.fit(info, adapter, projections, adapterManager);
        } catch (IOException | RuntimeException e) {
            adapterManager.close();
            throw e;
        }
        if (adapters.putIfAbsent(id, loaded) != null) {
            loaded.retire();
            throw new IllegalArgumentException("An adapter is already registered as '" + id + "'");
        }
        return loaded.info();
    }

    private void requireSameBase(ServedAdapter info) throws CheckpointException {
        String declared = info.baseModelNameOrPath().strip();
        if (declared.isEmpty() || names(declared, baseModelDir)) {
            return;
        }
        throw new CheckpointException(
                "Adapter '"
                        + info.id()
                        + "' ("
                        + info.source()
                        + ") was trained on base_model_name_or_path '"
                        + declared
                        + "', not on the served base "
                        + baseModelDir);
    }

    /** Whether a declared base names a folder: the same path, or the same last segment. */
    private static boolean names(String declared, Path dir) {
        Path folder = dir.toAbsolutePath().normalize();
        String trimmed = declared.replaceAll("[/\\\\]+$", "");
        String last =
                trimmed.substring(
                        Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1);
        if (folder.getFileName() != null && last.equals(folder.getFileName().toString())) {
            return true;
        }
        try {
            return Path.of(declared).toAbsolutePath().normalize().equals(folder);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /**
     * Removes an adapter: new requests can no longer choose it; views already handed out keep
     * working until closed, and its weights are freed once the last of them is.
     *
     * @param id the adapter's id
     * @return whether it was registered
     */
    public boolean remove(String id) {
        LoadedAdapter removed = adapters.remove(id);
        if (removed == null) {
            return false;
        }
        removed.retire();
        return true;
    }

    /**
     * The view of one adapter for a request. Close it when the request is done.
     *
     * @param id the adapter's id
     * @return the adapter's view over the shared base
     * @throws UnknownAdapterException if no adapter is registered as {@code id}
     */
    public AdapterView forAdapter(String id) {
        LoadedAdapter adapter = adapters.get(id);
        // A removal between the lookup and the lease makes acquire fail: the id is gone.
        if (adapter == null || !adapter.acquire()) {
            throw new UnknownAdapterException(id);
        }
        return new AdapterView(base, List.of(adapter), manager);
    }

    /** The view of the plain base model, no adapter applied; shared, closing it does nothing. */
    public AdapterView base() {
        return baseView;
    }

    /** The ids of the registered adapters, sorted; a snapshot. */
    public Set<String> adapterIds() {
        return Collections.unmodifiableSet(new TreeSet<>(adapters.keySet()));
    }

    /**
     * What is registered under an id.
     *
     * @param id the adapter's id
     * @return the adapter, or empty
     */
    public Optional<ServedAdapter> adapter(String id) {
        return Optional.ofNullable(adapters.get(id)).map(LoadedAdapter::info);
    }

    /**
     * The base model, loaded once; its state dict holds only base parameters. Do not modify it
     * while serving.
     */
    public LlamaForCausalLM baseModel() {
        return base;
    }

    /** The Hugging Face folder the base was loaded from. */
    public Path baseModelDir() {
        return baseModelDir;
    }

    /** Frees the base model and every adapter; views handed out stop working. */
    @Override
    public void close() {
        adapters.clear();
        projections.values().forEach(MultiLoraLinear::clearSideBySide);
        manager.close();
    }
}
