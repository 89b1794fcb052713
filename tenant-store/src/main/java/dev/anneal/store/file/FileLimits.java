package dev.anneal.store.file;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits on uploaded files ({@code anneal.files.*}, env {@code ANNEAL_FILES_*}). */
@ConfigMapping(prefix = "anneal.files")
public interface FileLimits {

    /** Largest accepted file; a larger upload is refused with 413 as soon as it passes this. */
    @WithDefault("512M")
    MemorySize maxBytes();

    /** Longest accepted line, in bytes. */
    @WithDefault("8M")
    MemorySize maxLineBytes();

    /**
     * The slowest an upload may arrive, on average, once {@link #slowUploadGrace()} has passed; a
     * slower one is cut off (408), so that trickling clients cannot hold the server's threads.
     */
    @WithDefault("16K")
    MemorySize minUploadRate();

    /** How long an upload may take before its rate is checked. */
    @WithDefault("30s")
    Duration slowUploadGrace();

    /** Most data lines in one file. */
    @WithDefault("10000000")
    long maxLines();
}
