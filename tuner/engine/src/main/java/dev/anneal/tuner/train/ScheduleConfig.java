package dev.anneal.tuner.train;

import dev.anneal.tuner.optim.LrSchedule;
import java.util.Objects;

/**
 * The {@code schedule} section of a recipe.
 *
 * @param type {@code type}: constant, linear or cosine (default cosine)
 * @param warmupSteps {@code warmup_steps} (default 0)
 * @param minLrRatio {@code min_lr_ratio}: the final learning rate as a fraction of the peak
 *     (default 0)
 */
public record ScheduleConfig(LrSchedule.Type type, int warmupSteps, double minLrRatio) {

    /** Validates the section; messages name the key. */
    public ScheduleConfig {
        Objects.requireNonNull(type, "schedule.type");
        if (warmupSteps < 0) {
            throw new IllegalArgumentException(
                    "schedule.warmup_steps must not be negative, got " + warmupSteps);
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException(
                    "schedule.min_lr_ratio must be in [0, 1], got " + minLrRatio);
        }
    }

    /** A constant learning rate after {@code warmupSteps} of linear warm-up. */
    public static ScheduleConfig constant(int warmupSteps) {
        return new ScheduleConfig(LrSchedule.Type.CONSTANT, warmupSteps, 0.0);
    }

    /** Linear warm-up over {@code warmupSteps}, then linear decay to zero. */
    public static ScheduleConfig linear(int warmupSteps) {
        return new ScheduleConfig(LrSchedule.Type.LINEAR, warmupSteps, 0.0);
    }

    /** Linear warm-up over {@code warmupSteps}, then cosine decay to {@code minLrRatio} × peak. */
    public static ScheduleConfig cosine(int warmupSteps, double minLrRatio) {
        return new ScheduleConfig(LrSchedule.Type.COSINE, warmupSteps, minLrRatio);
    }
}
