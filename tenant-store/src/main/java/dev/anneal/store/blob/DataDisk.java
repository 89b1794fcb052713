package dev.anneal.store.blob;

import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The free space of the disk under the data folder, kept above {@code anneal.min-free-disk} (env
 * {@code ANNEAL_MIN_FREE_DISK}): writes that would take it below are refused with {@link
 * InsufficientStorageException} before the disk fills (and, in standalone mode, before PostgreSQL
 * and Kafka, which share it, fail), and readiness reports it.
 */
@ApplicationScoped
public class DataDisk {

    private final Path dataDir;
    private final long minFreeBytes;

    @Inject
    DataDisk(
            @ConfigProperty(name = "anneal.data-dir") Path dataDir,
            @ConfigProperty(name = "anneal.min-free-disk", defaultValue = "1G")
                    MemorySize minFree) {
        this.dataDir = dataDir;
        this.minFreeBytes = minFree.asLongValue();
    }

    /** Bytes that may still be written on the data folder's disk. */
    public long freeBytes() {
        try {
            Path existing = dataDir;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            return Files.getFileStore(existing == null ? Path.of(".") : existing).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the free space under " + dataDir, e);
        }
    }

    /** The free space kept in reserve. */
    public long minFreeBytes() {
        return minFreeBytes;
    }

    /** Whether the free space is below the reserve. */
    public boolean isLow() {
        return freeBytes() < minFreeBytes;
    }

    /**
     * Refuses a write of {@code bytes} more that would leave less than the reserve.
     *
     * @throws InsufficientStorageException if it would
     */
    public void requireRoom(long bytes) {
        long free = freeBytes();
        if (free - Math.max(0, bytes) < minFreeBytes) {
            throw new InsufficientStorageException(free, minFreeBytes);
        }
    }
}
