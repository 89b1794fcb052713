package dev.anneal.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} options of a benchmark, each with a default. */
public final class BenchArguments {

    private final Map<String, String> values = new HashMap<>();

    /**
     * Reads the options.
     *
     * @param args {@code --name value} pairs
     * @param defaults every option's default: names not among them are refused
     */
    public BenchArguments(String[] args, Map<String, String> defaults) {
        values.putAll(defaults);
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!defaults.containsKey(name) || i + 1 == args.length) {
                throw new IllegalArgumentException(
                        "unknown option or missing value: "
                                + name
                                + "; options: "
                                + defaults.keySet());
            }
            values.put(name, args[++i]);
        }
    }

    /** The option's value as given. */
    public String string(String name) {
        return values.get(name);
    }

    /** The option's value as a path. */
    public Path path(String name) {
        return Path.of(values.get(name));
    }

    /** The option's value as a whole number. */
    public int integer(String name) {
        return Integer.parseInt(values.get(name));
    }

    /** The option's value as comma-separated whole numbers ({@code 1,2}). */
    public List<Integer> integers(String name) {
        return Arrays.stream(values.get(name).split(",")).map(Integer::valueOf).toList();
    }
}
