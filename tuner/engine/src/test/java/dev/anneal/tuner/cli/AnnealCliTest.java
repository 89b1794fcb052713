package dev.anneal.tuner.cli;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.recipe.Recipe;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnnealCliTest {

    /** The stories260K fixture, from the tuner module's directory. */
    private static final Path MODEL = Path.of("models", "stories260K");

    private static final String PROMPT = "Once upon a time";

    /** What one run of the CLI gave. */
    private record Outcome(int code, String out, String err) {}

    private static Outcome cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                AnnealCli.run(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** llama2.c's greedy text of 60 new tokens, without the prompt, with the file's newline. */
    private static String referenceContinuation() throws IOException {
        String reference = Files.readString(MODEL.resolve("expected-greedy-once-upon-a-time.txt"));
        assertThat(reference).startsWith(PROMPT).endsWith("\n");
        return reference.substring(PROMPT.length());
    }

    @Test
    void shouldPrintOnlyTheReferenceContinuationWhenGeneratingGreedilyFromOnceUponATime()
            throws Exception {
        Outcome outcome =
                cli(
                        "generate",
                        "--model",
                        MODEL.toString(),
                        "--prompt",
                        PROMPT,
                        "--max-tokens",
                        "60");

        assertThat(outcome.code()).isZero();
        assertThat(outcome.out()).isEqualTo(referenceContinuation());
        assertThat(outcome.err()).contains("anneal: loaded", "60 tokens");
    }

    @Test
    void shouldAcceptOptionValuesAfterAnEqualsSignWhenGiven() throws Exception {
        Outcome outcome =
                cli(
                        "generate",
                        "--model=" + MODEL,
                        "--prompt=" + PROMPT,
                        "--max-tokens=60",
                        "--temperature=0");

        assertThat(outcome.code()).isZero();
        assertThat(outcome.out()).isEqualTo(referenceContinuation());
    }

    @Test
    void shouldKeepStandardOutputToTheContinuationWhenRunAsAProcess(@TempDir Path tmp)
            throws Exception {
        // main() configures logging for the whole JVM, so it runs in a JVM of its own.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path stderr = tmp.resolve("stderr.txt");
        Process process =
                new ProcessBuilder(
                                java.toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                AnnealCli.class.getName(),
                                "generate",
                                "--model",
                                MODEL.toString(),
                                "--prompt",
                                PROMPT,
                                "--max-tokens",
                                "20",
                                "--threads",
                                "1")
                        .redirectError(stderr.toFile())
                        .start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(Files.readString(stderr)).isZero();
        assertThat(out)
                .isEqualTo(", there was a little girl named Lily. She loved to play outsid\n");
        assertThat(Files.readString(stderr)).contains("anneal: loaded", "20 tokens");
    }

    @Test
    void shouldRepeatTheSampledContinuationWhenTheSeedIsTheSame() {
        String[] args = {
            "generate",
            "--model",
            MODEL.toString(),
            "--prompt",
            PROMPT,
            "--max-tokens",
            "30",
            "--temperature",
            "1.0",
            "--top-k",
            "40",
            "--top-p",
            "0.95",
            "--seed",
            "7"
        };

        Outcome first = cli(args);
        Outcome again = cli(args);

        assertThat(first.code()).isZero();
        assertThat(again.out()).isEqualTo(first.out()).isNotBlank();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "generate --model MODEL --bogus 1            | unknown option --bogus",
                "generate --model MODEL --max-tokens many    | --max-tokens needs an integer",
                "generate --model MODEL --max-tokens 0       | --max-tokens must be positive",
                "generate --model MODEL --temperature -1     | --temperature must be 0",
                "generate --model MODEL --temperature hot    | --temperature needs a number",
                "generate --model MODEL --top-p 1.5          | --top-p must be in (0, 1]",
                "generate --model MODEL --top-k -3           | --top-k must be 0",
                "generate --model MODEL --seed x             | --seed needs an integer",
                "generate --model MODEL --threads 0          | --threads must be positive",
                "generate --model MODEL --prompt             | --prompt needs a value",
                "generate --model MODEL --seed 1 --seed 2    | --seed is given twice",
                "generate --model MODEL stray                | unexpected argument 'stray'",
                "generate --prompt hello                     | --model is required",
                "generate --model no/such/folder             | --model no/such/folder is not a"
                        + " folder",
                "generate --model MODEL --help=yes           | --help takes no value",
                "train                                       | exactly one RECIPE.yaml",
            })
    void shouldExitWithUsageErrorNamingTheOptionWhenTheCommandLineIsWrong(
            String commandLine, String message) {
        String[] args = commandLine.replace("MODEL", MODEL.toString()).trim().split("\\s+");

        Outcome outcome = cli(args);

        assertThat(outcome.code()).isEqualTo(2);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.err()).contains(message).contains("--help' for usage");
    }

    /**
     * A tiny LoRA recipe on stories260K and the chat fixtures: {@code steps} steps, validated and
     * saved every 2, with a learning rate high enough to move the model visibly.
     */
    private static Path tinyLoraRecipe(Path dir, int steps, String extraTraining)
            throws IOException {
        Path data = Path.of("recipes", "data").toAbsolutePath();
        String yaml =
                """
                method: sft
                model: %s
                output_dir: %s
                seed: 3
                data:
                  train: %s
                  validation: %s
                  max_seq_length: 64
                lora: {r: 4, alpha: 8, dropout: 0.0}
                optimizer: {lr: 3.0e-2}
                schedule: {type: constant}
                training: {max_steps: %d, batch_size: 2, eval_every: 2, checkpoint_every: 2%s}
                """
                        .formatted(
                                MODEL.toAbsolutePath(),
                                dir.resolve("out"),
                                data.resolve("tiny_chat_train.jsonl"),
                                data.resolve("tiny_chat_validation.jsonl"),
                                steps,
                                extraTraining);
        Path recipe = dir.resolve("tiny_lora.yaml");
        Files.writeString(recipe, yaml);
        return recipe;
    }

    /** What {@link Generator} gives greedily on a model, as the CLI prints it. */
    private static String greedy(LlamaForCausalLM model, int maxTokens) throws IOException {
        try (TextTokenizer tokenizer = TextTokenizer.load(MODEL)) {
            GenerationConfig config =
                    GenerationConfig.defaultsFrom(MODEL)
                            .optTemperature(0f)
                            .optMaxNewTokens(maxTokens)
                            .build();
            return new Generator(model, tokenizer).generate(tokenizer.encode(PROMPT), config).text()
                    + "\n";
        }
    }

    @Test
    void shouldTrainShowProgressAndLeaveAnAdapterThatGenerateAppliesWhenTrainingLora(
            @TempDir Path tmp) throws Exception {
        Path recipe = tinyLoraRecipe(tmp, 4, "");

        Outcome trained = cli("train", recipe.toString());

        assertThat(trained.code()).as(trained.err()).isZero();
        Path adapter = tmp.resolve("out").resolve(Recipe.ADAPTER_DIR);
        assertThat(adapter.resolve(PeftAdapter.CONFIG_FILE)).exists();
        assertThat(adapter.resolve(PeftAdapter.WEIGHTS_FILE)).exists();
        assertThat(trained.err())
                .contains("sft with LoRA", "train data:", "validation data:")
                .contains("step 1/4  loss ", "step 4/4  loss ", " lr ", " grad norm ", "tokens/s")
                .contains("validation after step 2  loss ", "validation after step 4  loss ")
                .contains("checkpoint at step 2: ", "checkpoint at step 4: ")
                .contains("finished at step 4");
        assertThat(trained.out().lines())
                .singleElement(as(InstanceOfAssertFactories.STRING))
                .startsWith("adapter " + adapter + ", checkpoint ")
                .containsPattern("validation loss \\d+\\.\\d{4}$");

        Outcome base =
                cli(
                        "generate",
                        "--model",
                        MODEL.toString(),
                        "--prompt",
                        PROMPT,
                        "--max-tokens",
                        "30");
        Outcome adapted =
                cli(
                        "generate",
                        "--model",
                        MODEL.toString(),
                        "--adapter",
                        adapter.toString(),
                        "--prompt",
                        PROMPT,
                        "--max-tokens",
                        "30");

        assertThat(base.code()).as(base.err()).isZero();
        assertThat(adapted.code()).as(adapted.err()).isZero();
        assertThat(adapted.err()).contains("with adapter " + adapter);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThat(adapted.out())
                    .isEqualTo(greedy(PeftAdapter.loadModel(MODEL, adapter, manager), 30));
        }
        assertThat(adapted.out()).isNotEqualTo(base.out());
    }

    @Test
    void shouldContinueFromTheCheckpointWhenResumeIsGiven(@TempDir Path tmp) throws Exception {
        Path recipe = tinyLoraRecipe(tmp, 4, "");
        assertThat(cli("train", recipe.toString()).code()).isZero();

        Outcome resumed =
                cli(
                        "train",
                        recipe.toString(),
                        "--resume",
                        tmp.resolve("out").resolve("checkpoint-2").toString());

        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.err())
                .contains("resuming after step 2 to step 4", "step 3/4  loss ")
                .doesNotContain("step 1/4");
        assertThat(resumed.out()).startsWith("adapter ");
    }

    @Test
    void shouldExitWithTwoNamingTheKeyWhenTheRecipeIsInvalid(@TempDir Path tmp) throws Exception {
        Path unknownKey = tinyLoraRecipe(tmp, 4, ", max_stepz: 9");
        Outcome unknown = cli("train", unknownKey.toString());

        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.out()).isEmpty();
        assertThat(unknown.err()).contains("training.max_stepz", "--help' for usage");
        assertThat(tmp.resolve("out")).doesNotExist();

        Path badValue = tinyLoraRecipe(tmp, 0, "");
        Outcome bad = cli("train", badValue.toString());

        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("training.max_steps must be positive");
    }

    @Test
    void shouldExitWithOneWhenTrainingFails(@TempDir Path tmp) throws Exception {
        Path recipe = tmp.resolve("no_data.yaml");
        Files.writeString(
                recipe,
                "method: sft\nmodel: "
                        + MODEL.toAbsolutePath()
                        + "\noutput_dir: "
                        + tmp.resolve("out")
                        + "\ndata: {train: "
                        + tmp.resolve("missing.jsonl")
                        + "}\ntraining: {max_steps: 2}\n");

        Outcome outcome = cli("train", recipe.toString());

        assertThat(outcome.code()).isEqualTo(1);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.err()).contains("missing.jsonl");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "train no/such/recipe.yaml                       | recipe no/such/recipe.yaml"
                        + " is not a file",
                "train RECIPE --resume no/such/checkpoint        | --resume no/such/checkpoint is"
                        + " not a folder",
                "generate --model MODEL --adapter no/such/folder | --adapter no/such/folder is"
                        + " not a folder",
            })
    void shouldExitWithTwoNamingTheFileWhenAPathIsMissing(
            String commandLine, String message, @TempDir Path tmp) throws Exception {
        Path recipe = tinyLoraRecipe(tmp, 2, "");
        String[] args =
                commandLine
                        .replace("MODEL", MODEL.toString())
                        .replace("RECIPE", recipe.toString())
                        .trim()
                        .split("\\s+");

        Outcome outcome = cli(args);

        assertThat(outcome.code()).isEqualTo(2);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.err()).contains(message);
    }

    @Test
    void shouldPrintUsageOnStandardOutputWhenHelpIsAsked() {
        assertThat(cli("--help").out()).contains("generate --model DIR", "train RECIPE.yaml");
        assertThat(cli("generate", "--help").out())
                .contains("--max-tokens N", "--temperature T", "--top-p P", "--seed S");
        Outcome train = cli("train", "--help");
        assertThat(train.code()).isZero();
        assertThat(train.out()).contains("--resume DIR").doesNotContain("not available");
        assertThat(cli("generate", "--help").out())
                .contains("--adapter DIR")
                .doesNotContain("not supported");
    }

    @Test
    void shouldExitWithUsageErrorWhenTheCommandIsUnknownOrMissing() {
        Outcome unknown = cli("finetune");
        Outcome missing = cli();

        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown command 'finetune'");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("Usage: anneal <command>");
    }

    @Test
    void shouldExitWithOneNamingTheFileWhenTheFolderHoldsNoModel(@TempDir Path empty) {
        Outcome outcome = cli("generate", "--model", empty.toString(), "--prompt", PROMPT);

        assertThat(outcome.code()).isEqualTo(1);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.err()).contains("tokenizer.json");
    }
}
