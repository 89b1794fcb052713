package dev.anneal.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What the machine is and how busy it is, read from {@code /proc}, for the tables' captions; and
 * the statistics the tables print.
 */
public final class Machine {

    private Machine() {}

    /** The CPU model and the processors this JVM may use. */
    public static String cpu() {
        String model =
                lines(Path.of("/proc/cpuinfo")).stream()
                        .filter(line -> line.startsWith("model name"))
                        .map(line -> line.substring(line.indexOf(':') + 1).trim())
                        .findFirst()
                        .orElse("unknown CPU");
        return model + ", " + Runtime.getRuntime().availableProcessors() + " processors";
    }

    /** The 1-, 5- and 15-minute load averages. */
    public static String loadAverage() {
        String[] fields = lines(Path.of("/proc/loadavg")).get(0).split("\\s+");
        return String.join(" ", Arrays.copyOf(fields, 3));
    }

    /** The resident set size of this process ({@code VmRSS}), in KiB. */
    public static long residentKib() {
        return lines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmRSS:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst()
                .orElseThrow();
    }

    /** The median of some values, the mean of the middle two for an even count. */
    public static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /**
     * A percentile by the nearest-rank method: the smallest value with at least {@code percent}% of
     * the values at or below it (the maximum for a high percentile of few values).
     *
     * @param values at least one value
     * @param percent in (0, 100]
     */
    public static double percentile(List<Double> values, double percent) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(percent / 100 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
