package dev.anneal.tuner.recipe;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.JsonLines;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import dev.anneal.tuner.train.BatchLoss;
import dev.anneal.tuner.train.TrainableModel;
import java.io.IOException;
import java.util.List;

/**
 * What a recipe adds to the shared {@link TrainingLoop}: how a JSON Lines file becomes rows, and
 * how a batch of them is scored.
 */
interface TrainingObjective {

    /**
     * Checks a file's format, encodes its examples and fits them into rows.
     *
     * @param lines the JSON Lines file, read as it is encoded
     * @param tokenizer the model's tokenizer
     * @param eos the end-of-sequence token id
     * @return the rows and what it took to make them
     * @throws InvalidTrainingDataException if the recipe does not take the file's format, or an
     *     example is malformed
     * @throws IOException if the file cannot be read
     */
    SequencePacker.Packed prepare(JsonLines lines, TextTokenizer tokenizer, long eos)
            throws IOException;

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
}
