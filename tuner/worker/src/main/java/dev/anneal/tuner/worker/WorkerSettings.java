package dev.anneal.tuner.worker;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/** The tuner role's settings ({@code anneal.tuner.*}, env {@code ANNEAL_TUNER_*}). */
@ConfigMapping(prefix = "anneal.tuner")
public interface WorkerSettings {

    /** Jobs this process trains at once. */
    @WithDefault("1")
    int concurrency();

    /** How long a claim holds without renewal; a job whose worker died is taken over after this. */
    @WithDefault("20s")
    Duration lease();

    /** How often a worker renews its lease and looks for a cancellation; well under the lease. */
    @WithDefault("3s")
    Duration heartbeat();

    /**
     * How often an idle worker slot looks for a claimable job by itself: it is woken at once when a
     * job is queued ({@link dev.anneal.store.job.WakeUps}), so this bounds how soon a job whose
     * worker died is taken over, or a missed notification is made up for.
     */
    @WithName("poll-interval")
    @WithDefault("1s")
    Duration pollInterval();

    /**
     * Attempts of a job that may end without finishing it (its worker died, or the run ran out of
     * memory or hit an engine fault) before the job fails instead of running again.
     */
    @WithName("max-attempts")
    @WithDefault("3")
    int maxAttempts();

    /**
     * How long a job may run, counted from when it first started (a restart after its worker died
     * or shut down does not reset it); a job past it stops at its next step and fails with {@code
     * job_timeout}.
     */
    @WithName("max-job-duration")
    @WithDefault("24h")
    Duration maxJobDuration();

    /**
     * The memory one job may take on a worker ({@code ANNEAL_TUNER_MEMORY}); default four fifths of
     * the machine's. A job whose estimated peak is beyond it is refused when it is created ({@code
     * JobCreation}, {@link dev.anneal.tuner.registry.TrainingMemory}).
     */
    Optional<MemorySize> memory();

    /** Jobs of one tenant that may run at once, across all workers. */
    @WithName("max-running-per-tenant")
    @WithDefault("2")
    int maxRunningPerTenant();

    /**
     * libtorch's threads per operation in this process; default: the cores divided by {@link
     * #concurrency()}. Oversubscribed cores (more busy threads than cores) slow OpenMP down many
     * times over, so on a shared machine set it low.
     */
    Optional<Integer> threads();

    /**
     * Where jobs unpack their data and checkpoints while they run; default: {@code <data>/work}.
     */
    @WithName("work-dir")
    Optional<String> workDir();
}
