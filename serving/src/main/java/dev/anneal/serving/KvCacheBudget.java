package dev.anneal.serving;

import dev.anneal.tuner.model.LlamaConfig;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The KV-cache budget of each resident model as {@code ANNEAL_SERVE_KV_CACHE} states it: tokens (a
 * plain number), bytes (a number with a unit: {@code 512MiB}, {@code 2GiB}, {@code 4GB}), a share
 * of the memory available ({@code 30%}), or {@code auto}, which is {@value #AUTO_PERCENT}% of it.
 *
 * <p>The rule, applied when a model loads ({@link #size}): tokens are taken as they are; bytes and
 * shares are divided by the model's KV bytes per token, {@code 2 (keys and values) x
 * num_hidden_layers x num_key_value_heads x head_dim x 4 (float32)}, and kept between {@link
 * #MIN_TOKENS} and {@link #MAX_TOKENS}. Memory available is {@link AvailableMemory}: {@code
 * MemAvailable} of {@code /proc/meminfo}, bounded by the container's cgroup limit.
 */
public sealed interface KvCacheBudget {

    /** The share of available memory that {@code auto} takes, in percent. */
    int AUTO_PERCENT = 50;

    /**
     * The least budget sized from memory: below it most requests could not run at all, so a machine
     * that short of memory is better told by an allocation failure than by refusals.
     */
    int MIN_TOKENS = 2048;

    /**
     * The most budget sized from memory: beyond it the running set would be too large for one
     * engine thread to keep each sequence's pace, whatever the memory.
     */
    int MAX_TOKENS = 1 << 22;

    /** The budget when the setting is absent. */
    KvCacheBudget AUTO = new Share(AUTO_PERCENT);

    /**
     * Reads the setting.
     *
     * @param setting {@code auto}, a token count, a size with a unit, or a percentage
     * @return the budget
     * @throws IllegalArgumentException naming {@code ANNEAL_SERVE_KV_CACHE} if it is none of them
     */
    static KvCacheBudget parse(String setting) {
        String value = setting == null ? "" : setting.strip();
        if (value.equalsIgnoreCase("auto")) {
            return AUTO;
        }
        if (value.matches("\\d+")) {
            try {
                return new Tokens(Integer.parseInt(value));
            } catch (NumberFormatException e) {
                throw invalid(setting, "more tokens than " + Integer.MAX_VALUE);
            }
        }
        Optional<MemorySetting> amount = MemorySetting.parse(value, "ANNEAL_SERVE_KV_CACHE");
        if (amount.isPresent()) {
            MemorySetting memory = amount.get();
            return memory.isShare() ? new Share(memory.percent()) : new Bytes(memory.bytes());
        }
        throw invalid(setting, null);
    }

    /**
     * The bytes of KV cache one token takes in a model: keys and values, per layer, per key/value
     * head, {@code head_dim} float32 numbers each (as {@link dev.anneal.tuner.model.KvCache}
     * allocates them).
     */
    static long bytesPerToken(LlamaConfig model) {
        return 2L * model.numHiddenLayers() * model.numKeyValueHeads() * model.headDim() * 4L;
    }

    /**
     * The budget in tokens for a model.
     *
     * @param model the model's shape
     * @param availableBytes the memory available now, read only when the budget depends on it
     * @return the tokens, and how they were reached, for the log
     */
    Sized size(LlamaConfig model, LongSupplier availableBytes);

    /**
     * A budget resolved for one model.
     *
     * @param tokens the budget in tokens
     * @param rule how it was reached, in a few words, for the log line at load
     */
    record Sized(int tokens, String rule) {}

    /**
     * A budget in tokens, as set.
     *
     * @param tokens the budget, positive
     */
    record Tokens(int tokens) implements KvCacheBudget {

        /** Refuses a budget that could admit nothing. */
        public Tokens {
            if (tokens <= 0) {
                throw new IllegalArgumentException(
                        "ANNEAL_SERVE_KV_CACHE must be positive, got " + tokens);
            }
        }

        @Override
        public Sized size(LlamaConfig model, LongSupplier availableBytes) {
            return new Sized(tokens, "ANNEAL_SERVE_KV_CACHE=" + tokens);
        }
    }

    /**
     * A budget in bytes, converted to tokens for each model.
     *
     * @param bytes the budget, positive
     */
    record Bytes(long bytes) implements KvCacheBudget {

        /** Refuses an empty budget. */
        public Bytes {
            if (bytes <= 0) {
                throw new IllegalArgumentException(
                        "ANNEAL_SERVE_KV_CACHE must be positive, got " + bytes + " bytes");
            }
        }

        @Override
        public Sized size(LlamaConfig model, LongSupplier availableBytes) {
            long perToken = bytesPerToken(model);
            return new Sized(
                    clamp(bytes / perToken),
                    MemorySetting.mib(bytes) + " set, at " + perToken + " bytes per token");
        }
    }

    /**
     * A share of the memory available when the model loads, converted to tokens.
     *
     * @param percent the share, more than 0 and at most 100
     */
    record Share(double percent) implements KvCacheBudget {

        /** Refuses a share outside (0, 100]. */
        public Share {
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException(
                        "ANNEAL_SERVE_KV_CACHE: a share of memory must be more than 0% and at"
                                + " most 100%, got "
                                + percent
                                + "%");
            }
        }

        @Override
        public Sized size(LlamaConfig model, LongSupplier availableBytes) {
            long available = availableBytes.getAsLong();
            long bytes = (long) (available * (percent / 100));
            long perToken = bytesPerToken(model);
            return new Sized(
                    clamp(bytes / perToken),
                    MemorySetting.share(percent).toString()
                            + " of "
                            + MemorySetting.mib(available)
                            + " available, at "
                            + perToken
                            + " bytes per token");
        }
    }

    /** Keeps a budget sized from memory between {@link #MIN_TOKENS} and {@link #MAX_TOKENS}. */
    private static int clamp(long tokens) {
        return (int) Math.max(MIN_TOKENS, Math.min(MAX_TOKENS, tokens));
    }

    private static IllegalArgumentException invalid(String setting, String why) {
        return new IllegalArgumentException(
                "ANNEAL_SERVE_KV_CACHE must be auto, a number of tokens (65536), a size with a"
                        + " unit (512MiB, 2GiB, 4GB) or a share of available memory (30%), got '"
                        + setting
                        + "'"
                        + (why == null ? "" : ": " + why));
    }
}
