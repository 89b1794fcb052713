package dev.anneal.serving.adapter;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.checkpoint.CheckpointException;
import dev.anneal.tuner.export.PeftAdapter;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A fine-tuned model's archive as the platform stores it (see the worker's {@code ZipArchive}): a
 * zip whose entries are {@code adapter/adapter_config.json} and {@code
 * adapter/adapter_model.safetensors} for a LoRA model. Read entirely in memory: the plaintext never
 * touches a disk.
 */
public final class AdapterArchive {

    private static final String ROOT = "adapter/";

    private AdapterArchive() {}

    /**
     * Reads the adapter of an archive.
     *
     * @param archive the archive's plaintext, as a stream (decrypting as it is read); not closed
     * @param source the archive's name, for messages
     * @param manager the manager that will own the weights
     * @return the adapter
     * @throws CheckpointException if the archive holds no adapter or a malformed one
     * @throws IOException if the stream fails
     */
    public static PeftAdapter read(InputStream archive, String source, NDManager manager)
            throws IOException {
        byte[] config = null;
        byte[] weights = null;
        ZipInputStream zip = new ZipInputStream(archive);
        for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
            String name = entry.getName();
            if (name.equals(ROOT + PeftAdapter.CONFIG_FILE)) {
                config = zip.readAllBytes();
            } else if (name.equals(ROOT + PeftAdapter.WEIGHTS_FILE)) {
                weights = zip.readAllBytes();
            }
        }
        if (config == null || weights == null) {
            throw new CheckpointException(
                    source
                            + " holds no "
                            + ROOT
                            + PeftAdapter.CONFIG_FILE
                            + " and "
                            + ROOT
                            + PeftAdapter.WEIGHTS_FILE);
        }
        return PeftAdapter.read(config, weights, source + "!" + ROOT, manager);
    }
}
