package dev.anneal.tuner.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.anneal.tuner.data.DataStats;
import dev.anneal.tuner.recipe.Recipe;
import dev.anneal.tuner.recipe.RunOptions;
import dev.anneal.tuner.recipe.TrainingResult;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code anneal train RECIPE.yaml}: trains as the recipe says, showing progress and loss on
 * standard error, one line per optimiser step, and printing a one-line summary (where the result
 * is, the final validation loss) on standard output.
 */
final class TrainCommand {

    static final String USAGE =
            """
            Usage: anneal train RECIPE.yaml [--resume CHECKPOINT_DIR]

            Trains a model as the recipe says (<size>_<method>.yaml, its run command in its
            header); relative paths in it are resolved against the working directory. Progress
            goes to standard error: one line per step (loss, learning rate, gradient norm,
            tokens/s), validation and checkpoint lines, and stability interventions (skipped
            steps, rollbacks) marked with '!'. At the end one line goes to standard output: the
            adapter folder (LoRA) or final checkpoint, and the final validation loss.

              --resume DIR       continue from a checkpoint folder of this recipe's output_dir
              --help             this text

            Exit codes: 0 done, 1 training failed, 2 a usage error or an invalid recipe (the
            message names the key).
            """;

    private TrainCommand() {}

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code train}
     * @param out where the summary goes
     * @param err where progress goes
     * @return the exit code
     * @throws UsageException on a malformed command line or an invalid recipe
     * @throws IOException if the model, data or a checkpoint cannot be read or written
     */
    static int run(List<String> args, PrintStream out, PrintStream err)
            throws UsageException, IOException {
        CliArguments parsed = CliArguments.parse(args, Set.of("--resume"), Set.of("--help", "-h"));
        if (parsed.has("--help") || parsed.has("-h")) {
            out.print(USAGE);
            return 0;
        }
        if (parsed.positionals().size() != 1) {
            throw new UsageException("train needs exactly one RECIPE.yaml");
        }
        Path recipeFile = Path.of(parsed.positionals().get(0));
        if (!Files.isRegularFile(recipeFile)) {
            throw new UsageException("recipe " + recipeFile + " is not a file");
        }
        RunOptions options = RunOptions.DEFAULT;
        if (parsed.has("--resume")) {
            Path checkpoint = Path.of(parsed.required("--resume"));
            if (!Files.isDirectory(checkpoint)) {
                throw new UsageException("--resume " + checkpoint + " is not a folder");
            }
            options = RunOptions.resumeFrom(checkpoint);
        }
        TrainingConfig config = load(recipeFile);

        long start = System.nanoTime();
        TrainingResult result = Recipe.of(config).run(new Progress(err), options);
        err.printf(
                Locale.ROOT,
                "anneal: trained to step %d in %.1f s%n",
                result.steps(),
                (System.nanoTime() - start) / 1e9);

        Path adapter = config.outputDir().resolve(Recipe.ADAPTER_DIR);
        StringBuilder summary = new StringBuilder();
        if (config.lora() != null && Files.isDirectory(adapter)) {
            summary.append("adapter ").append(adapter).append(", ");
        }
        summary.append("checkpoint ").append(result.checkpoint());
        if (!Double.isNaN(result.validationLoss())) {
            summary.append(
                    String.format(Locale.ROOT, ", validation loss %.4f", result.validationLoss()));
        }
        out.println(summary);
        out.flush();
        return 0;
    }

    /** Reads the recipe; an invalid one is a usage error naming the key. */
    private static TrainingConfig load(Path recipeFile) throws UsageException, IOException {
        try {
            return TrainingConfig.load(recipeFile);
        } catch (JsonProcessingException e) {
            throw new UsageException(
                    "recipe " + recipeFile + " is not valid YAML: " + e.getOriginalMessage());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new UsageException("recipe " + recipeFile + ": " + e.getMessage());
        }
    }

    /** Writes one line per event on standard error. */
    private static final class Progress implements TrainingListener {

        private final PrintStream err;
        private int maxSteps;

        Progress(PrintStream err) {
            this.err = err;
        }

        @Override
        public void onEvent(TrainingEvent event) {
            if (event instanceof TrainingEvent.TrainingStarted started) {
                started(started);
            } else if (event instanceof TrainingEvent.StepMetrics step) {
                line(
                        "step %d/%d  loss %.4f  lr %.2e  grad norm %.3f  %.0f tokens/s%s",
                        step.step(),
                        maxSteps,
                        step.trainLoss(),
                        step.learningRate(),
                        step.gradNorm(),
                        step.tokensPerSecond(),
                        metrics(step.metrics()));
            } else if (event instanceof TrainingEvent.ValidationMetrics validation) {
                line(
                        "validation after step %d  loss %.4f  token accuracy %.3f  (%d tokens)%s",
                        validation.step(),
                        validation.loss(),
                        validation.tokenAccuracy(),
                        validation.tokens(),
                        metrics(validation.metrics()));
            } else if (event instanceof TrainingEvent.CheckpointSaved saved) {
                line("checkpoint at step %d: %s", saved.step(), saved.directory());
            } else if (event instanceof TrainingEvent.StepSkipped skipped) {
                line(
                        "! step %d skipped: %s (loss %.4f, grad norm %.3f); no weight changed",
                        skipped.step(),
                        skipped.reason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                        skipped.loss(),
                        skipped.gradNorm());
            } else if (event instanceof TrainingEvent.RolledBack rolledBack) {
                line(
                        "! loss spike at step %d (%.4f vs running mean %.4f): rolled back to"
                                + " step %d, learning rate x%.3g",
                        rolledBack.step(),
                        rolledBack.loss(),
                        rolledBack.runningMean(),
                        rolledBack.restoredStep(),
                        rolledBack.learningRateScale());
            } else if (event instanceof TrainingEvent.TrainingFinished finished) {
                line(
                        Double.isNaN(finished.validationLoss())
                                ? "finished at step %d"
                                : "finished at step %d  validation loss %.4f",
                        finished.steps(),
                        finished.validationLoss());
            }
        }

        private void started(TrainingEvent.TrainingStarted started) {
            maxSteps = started.maxSteps();
            line(
                    "%s%s: %s of %s parameters trainable; %s",
                    started.method(),
                    started.lora() ? " with LoRA" : " (full)",
                    GenerateCommand.humanCount(started.trainableParameters()),
                    GenerateCommand.humanCount(started.totalParameters()),
                    started.startStep() == 0
                            ? "steps 1 to " + started.maxSteps()
                            : "resuming after step "
                                    + started.startStep()
                                    + " to step "
                                    + started.maxSteps());
            data("train", started.trainData());
            if (started.validationData() != null) {
                data("validation", started.validationData());
            }
        }

        private void data(String name, DataStats stats) {
            line(
                    "%s data: %d examples -> %d rows, %d tokens in the loss"
                            + " (%d truncated, %d split, %d dropped)",
                    name,
                    stats.examples(),
                    stats.rows(),
                    stats.countedTokens(),
                    stats.truncated(),
                    stats.split(),
                    stats.dropped());
        }

        /** A method's metrics as {@code " name value"} pairs, or nothing. */
        private static String metrics(Map<String, Double> metrics) {
            StringBuilder text = new StringBuilder();
            metrics.forEach(
                    (name, value) ->
                            text.append(String.format(Locale.ROOT, "  %s %.4f", name, value)));
            return text.toString();
        }

        private void line(String format, Object... args) {
            err.printf(Locale.ROOT, "anneal: " + format + "%n", args);
        }
    }
}
