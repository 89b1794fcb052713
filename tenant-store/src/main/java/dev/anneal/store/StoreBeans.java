package dev.anneal.store;

import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.blob.LocalBlobStore;
import dev.anneal.store.crypto.MasterKey;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Makes the store's long-lived parts from configuration: the master key and the blob store. */
@ApplicationScoped
public class StoreBeans {

    private static final Logger LOG = Logger.getLogger(StoreBeans.class);

    /** File in the data folder that holds a generated master key, readable by its owner only. */
    public static final String MASTER_KEY_FILE = "master.key";

    /** Pending blobs older than this at start belong to no running upload. */
    private static final Duration ABANDONED_AFTER = Duration.ofHours(1);

    @ConfigProperty(name = "anneal.data-dir")
    Path dataDir;

    @ConfigProperty(name = "anneal.master-key")
    Optional<String> masterKey;

    /**
     * {@code ANNEAL_MASTER_KEY} (base64 of 32 bytes) when set; otherwise a key generated on first
     * start and kept in the data folder, which suits standalone mode only: whoever reads that
     * folder reads the key with it.
     */
    @Produces
    @Singleton
    @Startup
    MasterKey masterKey() {
        if (masterKey.isPresent()) {
            return MasterKey.fromBase64(masterKey.get().strip());
        }
        Path file = dataDir.resolve(MASTER_KEY_FILE);
        LOG.infof("ANNEAL_MASTER_KEY is not set: using the master key in %s", file);
        try {
            return MasterKey.loadOrCreate(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not load or create " + file, e);
        }
    }

    /** The blob store under the data folder, cleared of uploads a crash left unfinished. */
    @Produces
    @Singleton
    @Startup
    BlobStore blobStore() throws IOException {
        LocalBlobStore store = new LocalBlobStore(dataDir.resolve("blobs"));
        int swept = store.sweepPending(ABANDONED_AFTER);
        if (swept > 0) {
            LOG.infof("Removed %d unfinished uploads left by an earlier run", swept);
        }
        return store;
    }
}
