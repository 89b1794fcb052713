package dev.anneal.tuner.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code anneal train RECIPE.yaml}: a placeholder until the recipe engine exists, which will wire
 * it to train from the recipe and show progress and loss on standard error.
 */
final class TrainCommand {

    static final String USAGE =
            """
            Usage: anneal train RECIPE.yaml

            Trains a model as the recipe says (<size>_<method>.yaml, its run command in its
            header). Not available yet: training arrives with the recipe engine.
            """;

    private TrainCommand() {}

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code train}
     * @param out where the usage text goes when asked for
     * @return the exit code
     * @throws UsageException always, until training exists, or on a malformed command line
     */
    static int run(List<String> args, PrintStream out) throws UsageException {
        CliArguments parsed = CliArguments.parse(args, Set.of(), Set.of("--help", "-h"));
        if (parsed.has("--help") || parsed.has("-h")) {
            out.print(USAGE);
            return 0;
        }
        if (parsed.positionals().size() != 1) {
            throw new UsageException("train needs exactly one RECIPE.yaml");
        }
        throw new UsageException(
                "training arrives with the recipe engine; "
                        + parsed.positionals().get(0)
                        + " was not run");
    }
}
