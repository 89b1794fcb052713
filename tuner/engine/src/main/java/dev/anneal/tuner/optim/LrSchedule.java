package dev.anneal.tuner.optim;

import java.util.Locale;
import java.util.Objects;

/**
 * The learning rate of each optimiser step: a linear warm-up from {@code peak / warmup_steps} to
 * {@code peak} over the first {@code warmup_steps} steps, then constant, linear decay or cosine
 * decay to {@code peak * min_lr_ratio} at the last step.
 *
 * <p>Steps count from 0. With {@code w} warm-up steps and {@code T} steps in all, step {@code s}
 * gets {@code peak * (s + 1) / w} while {@code s < w}; afterwards, with {@code progress = (s - w) /
 * max(1, T - 1 - w)} in [0, 1], the factor is 1 (constant), {@code 1 - progress} (linear) or {@code
 * (1 + cos(pi * progress)) / 2} (cosine), mapped onto {@code [min_lr_ratio, 1]}. Unlike Hugging
 * Face's schedulers, the first step does not get a learning rate of zero.
 *
 * @param type constant, linear or cosine
 * @param peak the learning rate after warm-up
 * @param warmupSteps steps of linear warm-up, not negative
 * @param totalSteps optimiser steps of the whole run, positive
 * @param minLrRatio the final learning rate as a fraction of the peak, in [0, 1]
 */
public record LrSchedule(
        Type type, double peak, int warmupSteps, int totalSteps, double minLrRatio) {

    /** The shape of the decay after warm-up. */
    public enum Type {
        /** No decay. */
        CONSTANT,
        /** Straight down to the minimum. */
        LINEAR,
        /** Half a cosine down to the minimum. */
        COSINE;

        /**
         * The type a recipe names.
         *
         * @param name {@code constant}, {@code linear} or {@code cosine}
         * @return the type
         * @throws IllegalArgumentException naming {@code schedule.type} if unknown
         */
        public static Type fromName(String name) {
            for (Type type : values()) {
                if (type.name().equalsIgnoreCase(name)) {
                    return type;
                }
            }
            throw new IllegalArgumentException(
                    "schedule.type must be constant, linear or cosine, got '" + name + "'");
        }

        /** The name recipes use. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Validates the schedule; messages name the recipe key. */
    public LrSchedule {
        Objects.requireNonNull(type, "schedule.type");
        if (!(peak > 0) || Double.isInfinite(peak)) {
            throw new IllegalArgumentException("optimizer.lr must be positive, got " + peak);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException(
                    "schedule.warmup_steps must not be negative, got " + warmupSteps);
        }
        if (totalSteps <= 0) {
            throw new IllegalArgumentException(
                    "training.max_steps must be positive, got " + totalSteps);
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException(
                    "schedule.min_lr_ratio must be in [0, 1], got " + minLrRatio);
        }
    }

    /**
     * The learning rate of a step.
     *
     * @param step the optimiser step, from 0
     * @return the learning rate
     */
    public double learningRate(int step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        double progress =
                Math.min(
                        1.0,
                        (double) (step - warmupSteps) / Math.max(1, totalSteps - 1 - warmupSteps));
        double decay;
        switch (type) {
            case LINEAR:
                decay = 1 - progress;
                break;
            case COSINE:
                decay = (1 + Math.cos(Math.PI * progress)) / 2;
                break;
            default:
                decay = 1;
        }
        return peak * (minLrRatio + (1 - minLrRatio) * decay);
    }
}
