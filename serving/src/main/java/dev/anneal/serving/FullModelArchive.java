package dev.anneal.serving;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.checkpoint.ByteChunks;
import dev.anneal.tuner.checkpoint.CheckpointException;
import dev.anneal.tuner.checkpoint.HfCheckpoint;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.model.ProjectionFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A full fine-tune's archive as the platform stores it (see the worker's {@code ZipArchive}): a zip
 * whose entries are a Hugging Face model folder under {@code model/} ({@code config.json}, {@code
 * model.safetensors} or shards with their index, the tokenizer files, {@code
 * generation_config.json}). Read entirely in memory: the plaintext never touches a disk.
 *
 * @param source the model's id, for messages
 * @param files the folder's files by name relative to {@code model/}
 */
record FullModelArchive(String source, Map<String, ByteChunks> files) {

    private static final String ROOT = "model/";

    /**
     * Reads every file of an archive's model folder.
     *
     * @param archive the archive's plaintext, as a stream (decrypting as it is read); not closed
     * @param source the model's id, for messages
     * @return the files
     * @throws CheckpointException if the archive holds no {@code model/config.json}
     * @throws IOException if the stream fails
     */
    static FullModelArchive read(InputStream archive, String source) throws IOException {
        Map<String, ByteChunks> files = new HashMap<>();
        ZipInputStream zip = new ZipInputStream(archive);
        for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
            String name = entry.getName();
            if (!entry.isDirectory() && name.startsWith(ROOT) && name.length() > ROOT.length()) {
                files.put(name.substring(ROOT.length()), ByteChunks.readAll(zip));
            }
        }
        for (String required : new String[] {"config.json", "tokenizer.json"}) {
            if (!files.containsKey(required)) {
                throw new CheckpointException(source + " holds no " + ROOT + required);
            }
        }
        return new FullModelArchive(source, Collections.unmodifiableMap(files));
    }

    /**
     * Builds the model from {@code config.json} and the safetensors checkpoint, converted to
     * float32 as from a folder.
     *
     * @param manager the manager that will own the weights
     * @param projections the factory of the q,k,v,o,gate,up,down projections
     * @return the model
     * @throws IOException if the configuration or a tensor is bad
     */
    LlamaForCausalLM loadModel(NDManager manager, ProjectionFactory projections)
            throws IOException {
        LlamaConfig config = LlamaConfig.parse(files.get("config.json").utf8());
        Path name = Path.of(source + "!" + ROOT);
        return HfModelLoader.load(config, HfCheckpoint.read(files, name), manager, projections);
    }

    /** {@code tokenizer.json} as a stream. */
    InputStream tokenizerJson() {
        return new ByteArrayInputStream(files.get("tokenizer.json").toByteArray());
    }

    /** The text of a small file, or {@code null} when the archive lacks it. */
    String text(String file) {
        ByteChunks bytes = files.get(file);
        return bytes == null ? null : bytes.utf8();
    }
}
