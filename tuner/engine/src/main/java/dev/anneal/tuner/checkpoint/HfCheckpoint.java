package dev.anneal.tuner.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a Hugging Face model folder: {@code model.safetensors}, or shards {@code
 * model-0000N-of-0000M.safetensors} listed by {@code model.safetensors.index.json}.
 *
 * <p>Shard headers are read lazily, on the first tensor wanted from each. Not thread-safe.
 */
public final class HfCheckpoint {

    /** The file of an unsharded checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    /** The index, or the single file, that lists the tensors. */
    private final Path listing;

    private final Map<String, String> fileOfTensor;
    private final Map<String, SafetensorsFile> opened = new HashMap<>();

    /** The folder's files when held in memory, by file name, else {@code null}. */
    private final Map<String, ByteChunks> memory;

    private HfCheckpoint(Path dir, Path listing, Map<String, String> fileOfTensor) {
        this(dir, listing, fileOfTensor, null);
    }

    private HfCheckpoint(
            Path dir,
            Path listing,
            Map<String, String> fileOfTensor,
            Map<String, ByteChunks> memory) {
        this.dir = dir;
        this.listing = listing;
        this.fileOfTensor = fileOfTensor;
        this.memory = memory;
    }

    /**
     * Opens the checkpoint of a model folder held in memory (unpacked from an encrypted archive, so
     * that its plaintext never touches the disk), preferring the sharded index when both exist.
     * Tensors are converted as from a folder.
     *
     * @param files the folder's files by name ({@code model.safetensors}, or the index and its
     *     shards); other files are ignored
     * @param name what messages call the folder (e.g. the model id); never read
     * @return the checkpoint
     * @throws CheckpointException if there is no safetensors checkpoint or a bad index
     * @throws IOException if the index is not JSON
     */
    public static HfCheckpoint read(Map<String, ByteChunks> files, Path name) throws IOException {
        Map<String, ByteChunks> held = Map.copyOf(files);
        ByteChunks index = held.get(INDEX_FILE);
        if (index != null) {
            Path listing = name.resolve(INDEX_FILE);
            return new HfCheckpoint(name, listing, weightMap(index.utf8(), listing), held);
        }
        ByteChunks single = held.get(SINGLE_FILE);
        if (single == null) {
            throw new CheckpointException(
                    "No " + SINGLE_FILE + " or " + INDEX_FILE + " in " + name);
        }
        SafetensorsFile file = SafetensorsFile.read(single, name.resolve(SINGLE_FILE));
        Map<String, String> tensors = new LinkedHashMap<>();
        file.tensors().keySet().forEach(tensor -> tensors.put(tensor, SINGLE_FILE));
        HfCheckpoint checkpoint =
                new HfCheckpoint(
                        name,
                        name.resolve(SINGLE_FILE),
                        Collections.unmodifiableMap(tensors),
                        held);
        checkpoint.opened.put(SINGLE_FILE, file);
        return checkpoint;
    }

    private static Map<String, String> weightMap(String json, Path index) throws IOException {
        JsonNode weightMap = JSON.readTree(json).path("weight_map");
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw new CheckpointException(index + " has no weight_map");
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            files.put(entry.getKey(), entry.getValue().asText());
        }
        return Collections.unmodifiableMap(files);
    }

    /**
     * Opens the checkpoint of a model folder, preferring the sharded index when both exist.
     *
     * @param dir the Hugging Face model folder
     * @return the checkpoint
     * @throws CheckpointException if the folder holds no safetensors checkpoint or a bad index
     * @throws IOException if a file cannot be read
     */
    public static HfCheckpoint open(Path dir) throws IOException {
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return new HfCheckpoint(dir, index, weightMap(Files.readString(index), index));
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, String> files = new LinkedHashMap<>();
            file.tensors().keySet().forEach(name -> files.put(name, SINGLE_FILE));
            HfCheckpoint checkpoint =
                    new HfCheckpoint(dir, single, Collections.unmodifiableMap(files));
            checkpoint.opened.put(SINGLE_FILE, file);
            return checkpoint;
        }
        throw new CheckpointException(
                "No "
                        + SINGLE_FILE
                        + " or "
                        + INDEX_FILE
                        + " in "
                        + dir
                        + " (PyTorch .bin checkpoints are not supported: convert them to"
                        + " safetensors)");
    }

    /** The names of all tensors the checkpoint lists. */
    public Set<String> tensorNames() {
        return fileOfTensor.keySet();
    }

    /**
     * The file that holds a tensor, as named by the index.
     *
     * @param name the tensor's name
     * @return the file's path, or the index (or single file) if the tensor is not listed
     */
    public Path fileOf(String name) {
        String file = fileOfTensor.get(name);
        return file == null ? listing : dir.resolve(file);
    }

    /**
     * Loads one tensor as float32.
     *
     * @param manager the manager that will own the array
     * @param name the tensor's Hugging Face name
     * @return the tensor
     * @throws CheckpointException if the tensor is missing, naming it and the file looked in
     * @throws IOException if a file cannot be read
     */
    public NDArray load(NDManager manager, String name) throws IOException {
        String file = fileOfTensor.get(name);
        if (file == null) {
            throw new CheckpointException("Tensor '" + name + "' not found in " + listing);
        }
        SafetensorsFile shard = opened.get(file);
        if (shard == null) {
            Path path = dir.resolve(file);
            ByteChunks held = memory == null ? null : memory.get(file);
            if (memory == null ? !Files.isRegularFile(path) : held == null) {
                throw new CheckpointException(
                        "Shard "
                                + path
                                + " holding tensor '"
                                + name
                                + "' (per "
                                + listing.getFileName()
                                + ") does not exist");
            }
            shard = held == null ? SafetensorsFile.open(path) : SafetensorsFile.read(held, path);
            opened.put(file, shard);
        }
        return shard.load(manager, name);
    }
}
