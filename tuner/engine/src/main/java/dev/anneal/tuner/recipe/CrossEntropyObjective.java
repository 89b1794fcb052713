package dev.anneal.tuner.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.ExampleEncoder;
import dev.anneal.tuner.data.JsonLines;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.loss.MaskedCrossEntropyLoss;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import dev.anneal.tuner.train.BatchLoss;
import dev.anneal.tuner.train.TrainableModel;
import dev.anneal.tuner.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The objective of supervised fine-tuning and pre-training: examples packed into rows, the masked
 * next-token cross-entropy ({@link MaskedCrossEntropyLoss}) as loss, weighted by counted tokens.
 */
final class CrossEntropyObjective implements TrainingObjective {

    /** A recipe's part of the data preparation: the encoder for one JSON Lines file. */
    @FunctionalInterface
    interface ExampleEncoders {

        /**
         * Checks a file's format and gives the encoder of its examples.
         *
         * @param file the JSON Lines file, for messages
         * @param first the file's first example, never null
         * @param tokenizer the model's tokenizer
         * @param eos the end-of-sequence token id
         * @return the encoder of the file's examples
         * @throws IllegalArgumentException if the recipe does not take the file's format
         */
        ExampleEncoder encoderFor(Path file, JsonNode first, TextTokenizer tokenizer, long eos);
    }

    private static final BatchLoss LOSS =
            new BatchLoss() {
                @Override
                public int weight(Batch batch) {
                    return batch.countedTokens();
                }

                @Override
                public Sums sums(NDArray logits, Batch batch, Batch.Arrays arrays) {
                    return new Sums(
                            MaskedCrossEntropyLoss.sum(logits, arrays.labels(), arrays.lossMask()),
                            Map.of());
                }

                @Override
                public NDArray accuracyMask(Batch batch, Batch.Arrays arrays) {
                    return arrays.lossMask();
                }
            };

    private final TrainingConfig config;
    private final ExampleEncoders encoders;
    private final boolean splitLongExamples;

    /**
     * Creates the objective.
     *
     * @param config the validated configuration
     * @param encoders the recipe's encoders
     * @param splitLongExamples whether an example longer than {@code data.max_seq_length} is split
     *     into pieces (pre-training) rather than truncated (fine-tuning)
     */
    CrossEntropyObjective(
            TrainingConfig config, ExampleEncoders encoders, boolean splitLongExamples) {
        this.config = config;
        this.encoders = encoders;
        this.splitLongExamples = splitLongExamples;
    }

    @Override
    public SequencePacker.Packed prepare(JsonLines lines, TextTokenizer tokenizer, long eos)
            throws IOException {
        ExampleEncoder encoder = encoders.encoderFor(lines.file(), lines.first(), tokenizer, eos);
        return SequencePacker.pack(
                lines.encodeAll(encoder::encode),
                config.data().maxSeqLength(),
                config.data().packing(),
                splitLongExamples);
    }

    @Override
    public boolean packed() {
        return config.data().packing();
    }

    @Override
    public BatchLoss lossOver(List<SequenceRow> rows, TrainableModel model, NDManager manager) {
        return LOSS;
    }
}
