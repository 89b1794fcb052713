package dev.anneal.tuner.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.tuner.data.ExampleEncoder;
import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.LineFormat;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Supervised fine-tuning on chat ({@code {"messages"}}) or prompt-completion data, full or LoRA:
 * the loss counts the assistant (completion) tokens only, unless {@code data.train_on_inputs}. An
 * example longer than {@code data.max_seq_length} is truncated. Examples are packed into rows of
 * {@code data.max_seq_length} positions unless {@code data.packing: false} (ADR 0037): exact, each
 * example attending only to itself, so that {@code training.batch_size} counts rows of packed
 * tokens and no position is spent on padding within a row.
 *
 * <p>The training loop, its stability handling and determinism are those of every {@link Recipe}.
 */
public final class SftRecipe implements Recipe {

    private final TrainingConfig config;
    private final TrainingLoop loop;

    /**
     * Creates the recipe.
     *
     * @param config a configuration whose method is {@code sft}
     */
    public SftRecipe(TrainingConfig config) {
        if (config.method() != TrainingConfig.Method.SFT) {
            throw new IllegalArgumentException("SftRecipe runs method sft, not " + config.method());
        }
        this.config = config;
        this.loop =
                new TrainingLoop(
                        config, new CrossEntropyObjective(config, this::encoderFor, false));
    }

    @Override
    public TrainingResult run(TrainingListener listener, RunOptions options) throws IOException {
        return loop.run(listener, options);
    }

    /** Takes chat or prompt-completion data, in the configured format or the detected one. */
    private ExampleEncoder encoderFor(
            Path file, JsonNode first, TextTokenizer tokenizer, long eos) {
        LineFormat format =
                config.data().format() != null
                        ? config.data().format()
                        : LineFormat.detect(first::has, null);
        if (format != LineFormat.CHAT && format != LineFormat.PROMPT_COMPLETION) {
            throw new InvalidTrainingDataException(
                    null,
                    "method sft takes chat or prompt_completion data, "
                            + file
                            + " is "
                            + format.wireName());
        }
        return new ExampleEncoder(tokenizer, format, config.data().trainOnInputs(), eos);
    }
}
