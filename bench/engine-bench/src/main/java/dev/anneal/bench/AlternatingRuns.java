package dev.anneal.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The runs of a comparison's sides taken in turn (the engine, then each reference, then the engine
 * again, and so on), so that drift in the machine's speed touches every side alike. Each side's
 * figures are kept for its median and its spread; each round prints a progress line on standard
 * error.
 */
final class AlternatingRuns {

    /** One run of one side, giving its figure (tokens/s, steps/s, ...). */
    @FunctionalInterface
    interface Side {
        double run() throws Exception;
    }

    private final Map<String, List<Double>> figures = new LinkedHashMap<>();

    private AlternatingRuns() {}

    /**
     * Runs every side {@code runs} times, in turn.
     *
     * @param label the start of each progress line, e.g. {@code "26m threads 2"}
     * @param unit the figures' unit, e.g. {@code "tokens/s"}
     * @param sides by name, in the order each round runs them
     */
    static AlternatingRuns run(int runs, String label, String unit, Map<String, Side> sides)
            throws Exception {
        AlternatingRuns result = new AlternatingRuns();
        sides.keySet().forEach(name -> result.figures.put(name, new ArrayList<>()));
        for (int run = 1; run <= runs; run++) {
            List<String> round = new ArrayList<>();
            for (Map.Entry<String, Side> side : sides.entrySet()) {
                double figure = side.getValue().run();
                result.figures.get(side.getKey()).add(figure);
                round.add(String.format(Locale.ROOT, "%s %.1f", side.getKey(), figure));
            }
            System.err.printf(
                    Locale.ROOT,
                    "%s run %d: %s %s (load %s)%n",
                    label,
                    run,
                    String.join(", ", round),
                    unit,
                    Machine.loadAverage());
        }
        return result;
    }

    /** The median of a side's figures. */
    double median(String side) {
        return Machine.median(figures.get(side));
    }

    /** A side's figures in run order, e.g. {@code 525, 516, 501}, with {@code decimals} places. */
    String spread(String side, int decimals) {
        return figures.get(side).stream()
                .map(v -> String.format(Locale.ROOT, "%." + decimals + "f", v))
                .collect(Collectors.joining(", "));
    }
}
