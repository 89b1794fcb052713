package dev.anneal.tuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

class AnnealCliTest {

    /** The stories260K fixture, from the tuner module's directory. */
    private static final Path MODEL = Path.of("..", "..", "shared", "fixtures", "stories260K");

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

    @Test
    void shouldRefuseWithExitCodeTwoWhenAnAdapterIsGiven() {
        Outcome outcome =
                cli(
                        "generate",
                        "--model",
                        MODEL.toString(),
                        "--adapter",
                        "my-adapter",
                        "--prompt",
                        PROMPT);

        assertThat(outcome.code()).isEqualTo(2);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.err()).contains("adapters are not supported yet");
    }

    @Test
    void shouldSayTrainingArrivesWithTheRecipeEngineWhenTrainIsRun() {
        Outcome outcome = cli("train", "1m_lora.yaml");

        assertThat(outcome.code()).isEqualTo(2);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.err())
                .contains("training arrives with the recipe engine")
                .contains("1m_lora.yaml");
    }

    @Test
    void shouldPrintUsageOnStandardOutputWhenHelpIsAsked() {
        assertThat(cli("--help").out()).contains("generate --model DIR", "train RECIPE.yaml");
        assertThat(cli("generate", "--help").out())
                .contains("--max-tokens N", "--temperature T", "--top-p P", "--seed S");
        assertThat(cli("train", "--help").code()).isZero();
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
