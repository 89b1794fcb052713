package dev.anneal.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} options of a benchmark, each with a default. */
final class BenchArguments {

    private final Map<String, String> values = new HashMap<>();

    BenchArguments(String[] args, Map<String, String> defaults) {
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

    String string(String name) {
        return values.get(name);
    }

    Path path(String name) {
        return Path.of(values.get(name));
    }

    int integer(String name) {
        return Integer.parseInt(values.get(name));
    }

    List<Integer> integers(String name) {
        return Arrays.stream(values.get(name).split(",")).map(Integer::valueOf).toList();
    }
}
