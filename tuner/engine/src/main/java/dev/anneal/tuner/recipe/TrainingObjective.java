package dev.anneal.tuner.recipe;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import dev.anneal.tuner.train.BatchLoss;
import dev.anneal.tuner.train.TrainableModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What a recipe adds to the shared {@link TrainingLoop}: how a JSON Lines file becomes rows, and
 * how a batch of them is scored.
 */
interface TrainingObjective {

    /**
     * Checks a file's format, encodes its examples and fits them into rows.
     *
     * @param file the JSON Lines file, for messages
     * @param lines its examples, at least one
     * @param tokenizer the model's tokenizer
     * @param eos the end-of-sequence token id
     * @return the rows and what it took to make them
     * @throws InvalidTrainingDataException if the recipe does not take the file's format, or an
     *     example is malformed
     */
    SequencePacker.Packed prepare(
            Path file, List<JsonNode> lines, TextTokenizer tokenizer, long eos);

    /** Whether batches keep position and segment ids (rows holding several sequences). */
    boolean packed();

    /**
     * The loss over a data set. Called once per data set, after the model is loaded and before a
     * checkpoint is restored: the model holds its starting weights.
     *
     * @param rows the data set's rows, as {@link #prepare} made them
     * @param model the model, at its starting weights
     * @param manager the run's manager, which may own what the loss keeps
     * @return the loss of the data set's batches
     */
    BatchLoss lossOver(List<SequenceRow> rows, TrainableModel model, NDManager manager);

    /**
     * Encodes every line, naming the example in any error.
     *
     * @param file the file, for messages
     * @param lines its lines
     * @param encoder the encoding of one line
     * @return one encoded example per line
     */
    static <T> List<T> encodeAll(Path file, List<JsonNode> lines, Function<JsonNode, T> encoder) {
        List<T> examples = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            try {
                examples.add(encoder.apply(lines.get(i)));
            } catch (InvalidTrainingDataException e) {
                throw e.at(file + " example " + (i + 1));
            }
        }
        return examples;
    }
}
