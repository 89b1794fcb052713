package dev.anneal.tuner.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The options of {@code anneal generate}, validated on construction with messages that name the
 * command-line option. Absent values mean "the model's default" ({@code generation_config.json}),
 * except the temperature: the command is greedy unless told otherwise.
 *
 * @param model the Hugging Face model folder
 * @param adapter a LoRA adapter folder, if given
 * @param prompt the text to continue; empty to start from the BOS token
 * @param maxTokens the most new tokens, if given
 * @param temperature 0 for greedy decoding, otherwise the sampling temperature
 * @param topP the nucleus threshold, if given
 * @param topK the top-k cut, if given
 * @param seed the sampling seed
 * @param threads CPU threads for tensor operations, if given
 */
record GenerateOptions(
        Path model,
        Optional<Path> adapter,
        String prompt,
        OptionalInt maxTokens,
        float temperature,
        Optional<Float> topP,
        OptionalInt topK,
        long seed,
        OptionalInt threads) {

    GenerateOptions {
        require(maxTokens.orElse(1) > 0, "--max-tokens must be positive");
        require(temperature >= 0, "--temperature must be 0 (greedy) or positive");
        require(topP.map(p -> p > 0 && p <= 1).orElse(true), "--top-p must be in (0, 1]");
        require(topK.orElse(0) >= 0, "--top-k must be 0 (all tokens) or positive");
        require(threads.orElse(1) > 0, "--threads must be positive");
    }

    /**
     * Reads the options from parsed arguments.
     *
     * @param args the arguments of {@code generate}
     * @return the options
     * @throws UsageException if an option is missing, malformed or out of range
     */
    static GenerateOptions from(CliArguments args) throws UsageException {
        if (!args.positionals().isEmpty()) {
            throw new UsageException(
                    "unexpected argument '"
                            + args.positionals().get(0)
                            + "' (give the prompt with --prompt)");
        }
        try {
            return new GenerateOptions(
                    Path.of(args.required("--model")),
                    args.string("--adapter").map(Path::of),
                    args.string("--prompt").orElse(""),
                    optionalInt(args.integer("--max-tokens")),
                    args.decimal("--temperature").orElse(0f),
                    args.decimal("--top-p"),
                    optionalInt(args.integer("--top-k")),
                    args.longInteger("--seed").orElse(0L),
                    optionalInt(args.integer("--threads")));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static OptionalInt optionalInt(Optional<Integer> value) {
        return value.map(OptionalInt::of).orElseGet(OptionalInt::empty);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
