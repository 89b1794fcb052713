package dev.anneal.serving;

import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of memory as a setting gives it: a size with a unit ({@code 512MiB}, {@code 2GiB},
 * {@code 4GB}) or a share of the memory available ({@code 30%}), resolved to bytes when needed.
 *
 * @param bytes the size, or 0 for a share
 * @param percent the share, more than 0 and at most 100, or 0 for a size
 */
record MemorySetting(long bytes, double percent) {

    private static final Pattern SHARE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*%");
    private static final Pattern SIZE =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]i?B|B)", Pattern.CASE_INSENSITIVE);

    /**
     * Reads a size or a share.
     *
     * @param value the setting, stripped
     * @param variable the environment variable, for messages
     * @return the amount, or empty when the value is neither a size nor a share
     * @throws IllegalArgumentException naming the variable if it is a size or share out of range
     */
    static Optional<MemorySetting> parse(String value, String variable) {
        Matcher share = SHARE.matcher(value);
        if (share.matches()) {
            double percent = Double.parseDouble(share.group(1));
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException(
                        variable
                                + ": a share of memory must be more than 0% and at most 100%, got "
                                + value);
            }
            return Optional.of(new MemorySetting(0, percent));
        }
        Matcher size = SIZE.matcher(value);
        if (size.matches()) {
            double bytes = Double.parseDouble(size.group(1)) * unit(size.group(2));
            if (bytes >= Long.MAX_VALUE || bytes < 1) {
                throw new IllegalArgumentException(
                        variable + " must be a positive size, got '" + value + "'");
            }
            return Optional.of(new MemorySetting((long) bytes, 0));
        }
        return Optional.empty();
    }

    /** A share of the memory available. */
    static MemorySetting share(double percent) {
        return new MemorySetting(0, percent);
    }

    /** Whether it depends on the memory available. */
    boolean isShare() {
        return percent > 0;
    }

    /**
     * The amount in bytes.
     *
     * @param availableBytes the memory available now, read only for a share
     */
    long resolve(LongSupplier availableBytes) {
        return isShare() ? (long) (availableBytes.getAsLong() * (percent / 100)) : bytes;
    }

    @Override
    public String toString() {
        if (!isShare()) {
            return mib(bytes);
        }
        return percent == Math.rint(percent)
                ? (long) percent + "%"
                : String.format(Locale.ROOT, "%s%%", percent);
    }

    /** Bytes as MiB with one decimal, for messages. */
    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    private static long unit(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "tib" -> 1L << 40;
            default -> 1L;
        };
    }
}
