package dev.anneal.tuner.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options and positional arguments of one subcommand, parsed against the options it declares:
 * {@code --name value} or {@code --name=value} for options taking a value, {@code --name} alone for
 * switches; {@code --} ends the options. Typed getters fail with a {@link UsageException} naming
 * the option.
 */
final class CliArguments {

    private final Map<String, String> values;
    private final List<String> positionals;

    private CliArguments(Map<String, String> values, List<String> positionals) {
        this.values = values;
        this.positionals = positionals;
    }

    /**
     * Parses the arguments that follow the subcommand.
     *
     * @param args the arguments
     * @param valued the options that take a value, with their dashes ({@code --model})
     * @param switches the options that take none ({@code --help})
     * @return the parsed arguments
     * @throws UsageException on an unknown option, a missing value or an option given twice
     */
    static CliArguments parse(List<String> args, Set<String> valued, Set<String> switches)
            throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            String value;
            if (valued.contains(name)) {
                if (equals >= 0) {
                    value = arg.substring(equals + 1);
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException("option " + name + " needs a value");
                }
            } else if (switches.contains(name)) {
                if (equals >= 0) {
                    throw new UsageException("option " + name + " takes no value");
                }
                value = "";
            } else {
                throw new UsageException("unknown option " + name);
            }
            if (values.putIfAbsent(name, value) != null) {
                throw new UsageException("option " + name + " is given twice");
            }
        }
        return new CliArguments(values, List.copyOf(positionals));
    }

    /** Whether an option or switch was given. */
    boolean has(String option) {
        return values.containsKey(option);
    }

    /** The value of an option, if given. */
    Optional<String> string(String option) {
        return Optional.ofNullable(values.get(option));
    }

    /** The value of an option that must be given. */
    String required(String option) throws UsageException {
        String value = values.get(option);
        if (value == null) {
            throw new UsageException("option " + option + " is required");
        }
        return value;
    }

    /** An integer option, if given. */
    Optional<Integer> integer(String option) throws UsageException {
        String value = values.get(option);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            throw new UsageException("option " + option + " needs an integer, got '" + value + "'");
        }
    }

    /** A 64-bit integer option, if given. */
    Optional<Long> longInteger(String option) throws UsageException {
        String value = values.get(option);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            throw new UsageException("option " + option + " needs an integer, got '" + value + "'");
        }
    }

    /** A decimal option, if given; NaN and infinities are refused. */
    Optional<Float> decimal(String option) throws UsageException {
        String value = values.get(option);
        if (value == null) {
            return Optional.empty();
        }
        try {
            float parsed = Float.parseFloat(value.trim());
            if (Float.isFinite(parsed)) {
                return Optional.of(parsed);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("option " + option + " needs a number, got '" + value + "'");
    }

    /** The arguments that are not options, in order. */
    List<String> positionals() {
        return positionals;
    }
}
