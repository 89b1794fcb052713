package dev.anneal.tuner.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Anneal's command line: {@code generate} and {@code train} over the engine, with no server and no
 * database. The {@code anneal} launcher runs it on the server build's class path.
 *
 * <p>Standard output carries only the result; logs, progress and errors go to standard error. Exit
 * codes: 0 success, 1 a failure while running (a model that cannot be loaded), 2 a usage error or
 * an unsupported request, with a message naming the option.
 */
public final class AnnealCli {

    static final String USAGE =
            """
            Usage: anneal <command> [options]

            Commands:
              generate --model DIR [--prompt TEXT] [options]
                                 continue a prompt and print the continuation
              train RECIPE.yaml [--resume CHECKPOINT_DIR]
                                 train as a recipe says; progress on standard error
              help               this text

            Run 'anneal <command> --help' for the options of a command.
            """;

    private AnnealCli() {}

    /**
     * Runs a command and exits with its exit code.
     *
     * @param args the command and its arguments
     */
    public static void main(String[] args) {
        PrintStream stdout = CliLogging.install();
        int code = run(args, stdout, System.err);
        stdout.flush();
        System.exit(code);
    }

    /**
     * Runs a command in this JVM, without touching logging or the process's streams.
     *
     * @param args the command and its arguments
     * @param out where the result goes
     * @param err where progress and errors go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return UsageException.EXIT_CODE;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            switch (command) {
                case "generate":
                    return GenerateCommand.run(rest, out, err);
                case "train":
                    return TrainCommand.run(rest, out, err);
                case "help", "--help", "-h":
                    out.print(USAGE);
                    return 0;
                default:
                    err.println("anneal: unknown command '" + command + "'");
                    err.print(USAGE);
                    return UsageException.EXIT_CODE;
            }
        } catch (UsageException e) {
            err.println("anneal " + command + ": " + e.getMessage());
            err.println("Run 'anneal " + command + " --help' for usage.");
            return UsageException.EXIT_CODE;
        } catch (IOException | RuntimeException e) {
            Logger.getLogger(AnnealCli.class.getName()).log(Level.FINE, command + " failed", e);
            err.println("anneal " + command + ": " + describe(e));
            return 1;
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
