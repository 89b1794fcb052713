package dev.anneal.tuner.cli;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.export.PeftAdapter;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code anneal generate}: loads a model folder, continues the prompt, and prints the continuation
 * (the generated text without the prompt, then a newline) on standard output. Progress goes to
 * standard error.
 */
final class GenerateCommand {

    static final String USAGE =
            """
            Usage: anneal generate --model DIR [--prompt TEXT] [options]

            Continues TEXT with a Hugging Face LLaMA-family model (llama, mistral, qwen2) and
            prints the continuation, without the prompt and followed by a newline, on standard
            output; nothing else goes there. Progress and errors go to standard error.

              --model DIR        the model folder (config.json, *.safetensors, tokenizer.json)
              --adapter DIR      a LoRA adapter in PEFT's layout (adapter_config.json,
                                 adapter_model.safetensors) to apply on the model, such as
                                 the adapter folder a LoRA recipe leaves in its output_dir
              --prompt TEXT      the text to continue (default: none, start from the BOS token)
              --max-tokens N     the most new tokens (default: the model's max_new_tokens, else 128)
              --temperature T    0 for greedy decoding (default), otherwise sample at T
              --top-p P          when sampling, keep the most likely tokens up to probability P
                                 (0 < P <= 1; default: the model's top_p, else 1)
              --top-k K          when sampling, keep the K most likely tokens, 0 for all
                                 (default: the model's top_k, else 0)
              --seed S           the sampling seed; the same seed gives the same text (default 0)
              --threads N        CPU threads for tensor operations (default: DJL's)
              --help             this text

            Generation also stops at the model's EOS tokens (generation_config.json).
            Exit codes: 0 done, 1 the model or adapter could not be loaded or run, 2 a usage error.
            """;

    private static final Set<String> VALUED =
            Set.of(
                    "--model",
                    "--adapter",
                    "--prompt",
                    "--max-tokens",
                    "--temperature",
                    "--top-p",
                    "--top-k",
                    "--seed",
                    "--threads");

    private GenerateCommand() {}

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code generate}
     * @param out where the continuation goes
     * @param err where progress goes
     * @return the exit code
     * @throws UsageException if the command line is wrong or asks for something unsupported
     * @throws IOException if the model folder cannot be read
     */
    static int run(List<String> args, PrintStream out, PrintStream err)
            throws UsageException, IOException {
        CliArguments parsed = CliArguments.parse(args, VALUED, Set.of("--help", "-h"));
        if (parsed.has("--help") || parsed.has("-h")) {
            out.print(USAGE);
            return 0;
        }
        GenerateOptions options = GenerateOptions.from(parsed);
        if (!Files.isDirectory(options.model())) {
            throw new UsageException("--model " + options.model() + " is not a folder");
        }
        if (options.adapter().isPresent() && !Files.isDirectory(options.adapter().get())) {
            throw new UsageException("--adapter " + options.adapter().get() + " is not a folder");
        }
        options.threads().ifPresent(GenerateCommand::requestThreads);

        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(options.model())) {
            LlamaForCausalLM model =
                    options.adapter().isPresent()
                            ? PeftAdapter.loadModel(
                                    options.model(), options.adapter().get(), manager)
                            : HfModelLoader.load(options.model(), manager);
            options.threads().ifPresent(DjlRuntime::useIntraOpThreads);
            long[] promptIds = tokenizer.encode(options.prompt());
            if (promptIds.length == 0) {
                throw new UsageException(
                        "--prompt is required: this model's tokenizer adds no BOS token to start"
                                + " from");
            }
            int maxPositions = model.config().maxPositionEmbeddings();
            if (promptIds.length >= maxPositions) {
                throw new UsageException(
                        "--prompt has "
                                + promptIds.length
                                + " tokens; this model reads at most "
                                + maxPositions
                                + ", the continuation included");
            }
            err.printf(
                    Locale.ROOT,
                    "anneal: loaded %s%s (%s parameters) in %.2f s%n",
                    options.model(),
                    options.adapter().map(adapter -> " with adapter " + adapter).orElse(""),
                    humanCount(model.config().parameterCount()),
                    seconds(System.nanoTime() - start));

            long generationStart = System.nanoTime();
            GenerationResult result =
                    new Generator(model, tokenizer).generate(promptIds, config(options));
            double elapsed = seconds(System.nanoTime() - generationStart);
            out.print(result.text());
            out.print('\n');
            out.flush();
            err.printf(
                    Locale.ROOT,
                    "anneal: %d tokens in %.2f s (%.0f tokens/s), stopped at %s%n",
                    result.generatedIds().length,
                    elapsed,
                    result.generatedIds().length / elapsed,
                    result.finishReason().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        }
        return 0;
    }

    /** The model folder's defaults, overridden by the options; greedy unless asked to sample. */
    private static GenerationConfig config(GenerateOptions options) throws IOException {
        GenerationConfig.Builder builder =
                GenerationConfig.defaultsFrom(options.model())
                        .optTemperature(options.temperature())
                        .optSeed(options.seed());
        options.maxTokens().ifPresent(builder::optMaxNewTokens);
        options.topP().ifPresent(builder::optTopP);
        options.topK().ifPresent(builder::optTopK);
        return builder.build();
    }

    /**
     * Asks DJL for a thread count before its engine starts (intra- and inter-op pools), unless the
     * operator set the system properties; the intra-op count is set again once the engine is up,
     * which also covers an engine started earlier in the same JVM.
     */
    private static void requestThreads(int threads) {
        for (String property :
                List.of("ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads")) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, Integer.toString(threads));
            }
        }
    }

    /** A count like {@code 1.23M}. */
    static String humanCount(long count) {
        if (count >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", count / 1e9);
        }
        if (count >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2fM", count / 1e6);
        }
        return String.format(Locale.ROOT, "%.1fK", count / 1e3);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
