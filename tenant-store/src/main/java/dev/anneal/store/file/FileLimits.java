package dev.anneal.store.file;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits on uploaded files ({@code anneal.files.*}, env {@code ANNEAL_FILES_*}). */
@ConfigMapping(prefix = "anneal.files")
public interface FileLimits {

    /** Largest accepted file; a larger upload is refused with 413 as soon as it passes this. */
    @WithDefault("512M")
    MemorySize maxBytes();

    /** Longest accepted line, in bytes. */
    @WithDefault("8M")
    MemorySize maxLineBytes();

    /** Most data lines in one file. */
    @WithDefault("10000000")
    long maxLines();
}
