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
 * Continued pre-training on raw text ({@code {"text"}}), full or LoRA: every token counts in the
 * loss. A text becomes BOS, its tokens, EOS; one longer than {@code data.max_seq_length} is split
 * into consecutive pieces rather than truncated, so nothing is lost; with packing, pieces share
 * rows without attending to each other.
 *
 * <p>The training loop, its stability handling and determinism are those of every {@link Recipe}.
 */
public final class PretrainRecipe implements Recipe {

    private final TrainingLoop loop;

    /**
     * Creates the recipe.
     *
     * @param config a configuration whose method is {@code pretrain}
     */
    public PretrainRecipe(TrainingConfig config) {
        if (config.method() != TrainingConfig.Method.PRETRAIN) {
            throw new IllegalArgumentException(
                    "PretrainRecipe runs method pretrain, not " + config.method());
        }
        this.loop =
                new TrainingLoop(
                        config,
                        new CrossEntropyObjective(config, PretrainRecipe::encoderFor, true));
    }

    @Override
    public TrainingResult run(TrainingListener listener, RunOptions options) throws IOException {
        return loop.run(listener, options);
    }

    /** Takes text data only; every token counts. */
    private static ExampleEncoder encoderFor(
            Path file, JsonNode first, TextTokenizer tokenizer, long eos) {
        LineFormat format = LineFormat.detect(first::has, null);
        if (format != LineFormat.TEXT) {
            throw new InvalidTrainingDataException(
                    null, "method pretrain takes text data, " + file + " is " + format.wireName());
        }
        return new ExampleEncoder(tokenizer, LineFormat.TEXT, true, eos);
    }
}
