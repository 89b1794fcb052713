package dev.anneal.store.quota;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every tenant's quotas unless the administrator set its own ({@code anneal.quotas.*}, env {@code
 * ANNEAL_QUOTAS_*}).
 */
@ConfigMapping(prefix = "anneal.quotas")
public interface QuotaDefaults {

    /** Bytes of files, checkpoints and models a tenant may store. */
    @WithDefault("100G")
    MemorySize storedBytes();

    /** Files a tenant may hold. */
    @WithDefault("10000")
    long files();

    /** Jobs a tenant may have queued or running. */
    @WithDefault("20")
    long activeJobs();

    /** Feedback records a tenant may send per UTC day. */
    @WithDefault("1000000")
    long feedbackPerDay();

    /** Requests per second per API key, in each API process. */
    @WithDefault("100")
    long requestsPerSecond();

    /** API keys a tenant may hold. */
    @WithDefault("100")
    long apiKeys();
}
