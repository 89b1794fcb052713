package dev.anneal.store;

import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.blob.LocalBlobStore;
import dev.anneal.store.blob.S3BlobStore;
import dev.anneal.store.blob.S3Settings;
import dev.anneal.store.crypto.MasterKey;
import dev.anneal.store.crypto.MasterKeyRing;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

    @ConfigProperty(name = "anneal.master-key-file")
    Optional<Path> masterKeyFile;

    @ConfigProperty(name = "anneal.previous-master-keys")
    Optional<List<String>> previousMasterKeys;

    @ConfigProperty(name = "anneal.previous-master-keys-file")
    Optional<Path> previousMasterKeysFile;

    @Produces
    @Singleton
    @Startup
    MasterKeyRing masterKeys() {
        MasterKeyRing ring =
                new MasterKeyRing(
                        chooseMasterKey(masterKey, masterKeyFile, dataDir),
                        previousKeys(previousMasterKeys, previousMasterKeysFile));
        if (!ring.previousIds().isEmpty()) {
            LOG.infof(
                    "Master key %s wraps new keys; previous keys %s still unwrap until"
                            + " `./anneal admin rotate-master-key` has re-wrapped everything",
                    ring.current().id(), ring.previousIds());
        }
        return ring;
    }

    /**
     * The previous master keys of a rotation: {@code ANNEAL_PREVIOUS_MASTER_KEYS} (base64 keys,
     * comma-separated) and the lines of the file {@code ANNEAL_PREVIOUS_MASTER_KEYS_FILE} names.
     */
    static List<MasterKey> previousKeys(Optional<List<String>> keys, Optional<Path> file) {
        List<String> encoded = new ArrayList<>(keys.orElse(List.of()));
        if (file.isPresent()) {
            try {
                Files.readAllLines(file.get()).stream()
                        .map(String::strip)
                        .filter(line -> !line.isEmpty())
                        .forEach(encoded::add);
            } catch (IOException e) {
                throw new IllegalStateException(
                        "ANNEAL_PREVIOUS_MASTER_KEYS_FILE: cannot read " + file.get() + ": " + e,
                        e);
            }
        }
        List<MasterKey> previous = new ArrayList<>();
        for (int i = 0; i < encoded.size(); i++) {
            try {
                previous.add(MasterKey.fromBase64(encoded.get(i).strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        "Previous master key " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return previous;
    }

    /**
     * The master key: {@code ANNEAL_MASTER_KEY} (base64 of 32 bytes), or the base64 in the file
     * {@code ANNEAL_MASTER_KEY_FILE} names (how Kubernetes mounts a secret), not both; when neither
     * is set, a key generated on first start and kept in the data folder, which suits standalone
     * mode only: whoever reads that folder, or its backups, reads the key with it, hence the
     * warning at every start.
     *
     * @throws IllegalStateException if both are set, or the named file cannot be read
     */
    static MasterKey chooseMasterKey(Optional<String> key, Optional<Path> keyFile, Path dataDir) {
        if (key.isPresent() && keyFile.isPresent()) {
            throw new IllegalStateException(
                    "Set ANNEAL_MASTER_KEY or ANNEAL_MASTER_KEY_FILE, not both.");
        }
        if (key.isPresent()) {
            return MasterKey.fromBase64(key.get().strip());
        }
        if (keyFile.isPresent()) {
            try {
                return MasterKey.fromBase64(Files.readString(keyFile.get()).strip());
            } catch (IOException e) {
                throw new IllegalStateException(
                        "ANNEAL_MASTER_KEY_FILE: cannot read " + keyFile.get() + ": " + e, e);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        "ANNEAL_MASTER_KEY_FILE " + keyFile.get() + ": " + e.getMessage(), e);
            }
        }
        Path file = dataDir.resolve(MASTER_KEY_FILE);
        LOG.warnf(
                "The master key is kept in %s, beside the data it protects: anyone who reads the"
                        + " data folder or its backups can decrypt it. Outside standalone use, set"
                        + " ANNEAL_MASTER_KEY or ANNEAL_MASTER_KEY_FILE instead.",
                file);
        try {
            return MasterKey.loadOrCreate(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not load or create " + file, e);
        }
    }

    /**
     * The blob store ({@code anneal.blob-store}, env {@code ANNEAL_BLOB_STORE}): {@code local}, a
     * folder under the data folder (standalone mode, or a volume every node mounts), or {@code s3},
     * an S3-compatible object store ({@code ANNEAL_S3_*}), whose bucket is checked at start. Either
     * way it starts cleared of uploads a crash left unfinished.
     */
    @Produces
    @Singleton
    @Startup
    BlobStore blobStore(
            @ConfigProperty(name = "anneal.blob-store", defaultValue = "local") String kind,
            @ConfigProperty(name = "anneal.s3.endpoint") Optional<URI> endpoint,
            @ConfigProperty(name = "anneal.s3.bucket") Optional<String> bucket,
            @ConfigProperty(name = "anneal.s3.region", defaultValue = "us-east-1") String region,
            @ConfigProperty(name = "anneal.s3.access-key-id") Optional<String> accessKeyId,
            @ConfigProperty(name = "anneal.s3.secret-access-key") Optional<String> secretAccessKey,
            @ConfigProperty(name = "anneal.s3.path-style") Optional<Boolean> pathStyle,
            @ConfigProperty(name = "anneal.s3.prefix") Optional<String> prefix,
            @ConfigProperty(name = "anneal.s3.part-size", defaultValue = "8M") MemorySize partSize)
            throws IOException {
        BlobStore store =
                switch (kind.strip().toLowerCase(Locale.ROOT)) {
                    case "local" -> new LocalBlobStore(dataDir.resolve("blobs"));
                    case "s3" -> {
                        S3Settings settings =
                                new S3Settings(
                                        endpoint,
                                        bucket.orElse(""),
                                        region,
                                        accessKeyId,
                                        secretAccessKey,
                                        pathStyle.orElse(endpoint.isPresent()),
                                        prefix.orElse(""),
                                        (int) Math.min(Integer.MAX_VALUE, partSize.asLongValue()));
                        S3BlobStore s3 = new S3BlobStore(settings.client(), settings);
                        s3.checkBucket();
                        LOG.infof("Blobs are kept in %s", settings);
                        yield s3;
                    }
                    default ->
                            throw new IllegalArgumentException(
                                    "ANNEAL_BLOB_STORE: unknown store '"
                                            + kind
                                            + "'; use local or s3");
                };
        int swept = store.sweepPending(ABANDONED_AFTER);
        if (swept > 0) {
            LOG.infof("Removed %d unfinished uploads left by an earlier run", swept);
        }
        return store;
    }

    void closeBlobStore(@Disposes BlobStore store) {
        store.close();
    }
}
