package dev.anneal.tuner.worker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a worker's time per job goes, in {@code /q/metrics} as {@code
 * anneal_tuner_job_phase_seconds{phase}} (count, sum, max): what is not training steps is the
 * platform's overhead. Also {@code anneal_tuner_job_first_step_seconds}: from the job's creation to
 * its first training step, what a person waiting for the first loss sees.
 */
@ApplicationScoped
public class JobPhases {

    /** The parts of a run, in the order they happen. */
    public enum Phase {
        /** The transaction that claims the job. */
        CLAIM,
        /** The training (and validation) data decrypted into the work folder. */
        DECRYPT,
        /** The starting model found and its weights (and new adapters) loaded. */
        LOAD_MODEL,
        /**
         * The data tokenised and packed, and the run set up (a checkpoint restored), up to the
         * loop.
         */
        TOKENIZE,
        /** The first training step. */
        FIRST_STEP,
        /** Every later step, checkpoints aside. */
        STEPS,
        /** Checkpoints archived, encrypted and stored while training. */
        CHECKPOINTS,
        /** The fine-tuned model archived, encrypted and stored, and the metrics file. */
        STORE_MODEL,
        /** The transaction that marks the job succeeded. */
        FINISH;

        /** The value of the metric's {@code phase} tag. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Phase, Timer> timers = new EnumMap<>(Phase.class);
    private final Timer firstStep;

    @Inject
    JobPhases(MeterRegistry registry) {
        for (Phase phase : Phase.values()) {
            timers.put(
                    phase,
                    Timer.builder("anneal.tuner.job.phase")
                            .description("Worker time per job, by part of the run")
                            .tag("phase", phase.tag())
                            .register(registry));
        }
        this.firstStep =
                Timer.builder("anneal.tuner.job.first.step")
                        .description("From a job's creation to its first training step")
                        .register(registry);
    }

    void record(Phase phase, long nanos) {
        if (nanos > 0) {
            timers.get(phase).record(Duration.ofNanos(nanos));
        }
    }

    void firstStepAfterCreation(Duration sinceCreation) {
        if (!sinceCreation.isNegative()) {
            firstStep.record(sinceCreation);
        }
    }
}
