package dev.anneal.tuner.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.JsonLines;
import dev.anneal.tuner.data.LineFormat;
import dev.anneal.tuner.data.PreferenceEncoder;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.loss.DpoLoss;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import dev.anneal.tuner.train.BatchLoss;
import dev.anneal.tuner.train.TrainableModel;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The objective of DPO ({@link DpoLoss}): each preference pair is one row holding its chosen side
 * (segment 0) and its rejected side (segment 1); a batch's weight is its pairs.
 *
 * <p>The reference model is the policy's starting weights, which never change: its
 * log-probabilities are computed once per data set before training (ADR 0012), exact and without a
 * second copy of the model.
 */
final class DpoObjective implements TrainingObjective {

    /** The metric names, as TRL's. */
    static final String CHOSEN = "rewards/chosen";

    static final String REJECTED = "rewards/rejected";
    static final String MARGINS = "rewards/margins";
    static final String ACCURACIES = "rewards/accuracies";

    private final float beta;
    private final int maxSeqLength;
    private final int batchSize;

    /**
     * Creates the objective.
     *
     * @param beta the DPO temperature {@code beta}, positive
     * @param maxSeqLength the most positions of one side of a pair
     * @param batchSize pairs per forward pass of the reference model
     */
    DpoObjective(double beta, int maxSeqLength, int batchSize) {
        this.beta = (float) beta;
        this.maxSeqLength = maxSeqLength;
        this.batchSize = batchSize;
    }

    @Override
    public SequencePacker.Packed prepare(JsonLines lines, TextTokenizer tokenizer, long eos)
            throws IOException {
        LineFormat format = LineFormat.detect(lines.first()::has, null);
        if (format != LineFormat.PREFERENCE) {
            throw new InvalidTrainingDataException(
                    null,
                    "method dpo takes preference data, "
                            + lines.file()
                            + " is "
                            + format.wireName());
        }
        PreferenceEncoder encoder = new PreferenceEncoder(tokenizer, eos);
        return SequencePacker.packPairs(lines.encodeAll(encoder::encode), maxSeqLength);
    }

    @Override
    public boolean packed() {
        return true;
    }

    /** Computes the reference log-probabilities of every pair, with the starting weights. */
    @Override
    public BatchLoss lossOver(List<SequenceRow> rows, TrainableModel model, NDManager manager) {
        float[] reference = new float[rows.size() * 2];
        for (int start = 0; start < rows.size(); start += batchSize) {
            int[] indices =
                    IntStream.range(start, Math.min(rows.size(), start + batchSize)).toArray();
            Batch batch = Batch.collate(rows, indices, true);
            try (NDManager pass = manager.newSubManager()) {
                Batch.Arrays arrays = batch.toArrays(pass);
                NDArray logits = model.logits(arrays, false);
                float[] logProbs =
                        DpoLoss.sequenceLogProbs(logits, arrays.labels(), sides(batch, pass))
                                .toFloatArray();
                System.arraycopy(logProbs, 0, reference, start * 2, logProbs.length);
            }
        }
        return new PairLoss(reference, manager.create(new float[] {beta}));
    }

    /**
     * The completion tokens of each side.
     *
     * @return {@code [pairs, seq, 2]} float32: column 0 the counted labels of segment 0 (chosen),
     *     column 1 those of segment 1 (rejected)
     */
    static NDArray sides(Batch batch, NDManager manager) {
        float[] mask = batch.lossMask();
        float[] sides = new float[mask.length * 2];
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] > 0) {
                sides[i * 2 + (int) batch.segmentIds()[i]] = 1;
            }
        }
        return manager.create(sides, new Shape(batch.rows(), batch.length(), 2));
    }

    /** The DPO loss of one data set's batches, against its precomputed reference. */
    private static final class PairLoss implements BatchLoss {

        private final float[] reference;
        private final NDArray beta;

        /**
         * @param reference {@code [rows, 2]} row-major, the reference log-probabilities by row
         * @param beta a one-element array that lives as long as the run
         */
        PairLoss(float[] reference, NDArray beta) {
            this.reference = reference;
            this.beta = beta;
        }

        @Override
        public int weight(Batch batch) {
            return batch.rows();
        }

        @Override
        public Sums sums(NDArray logits, Batch batch, Batch.Arrays arrays) {
            NDManager manager = arrays.inputIds().getManager();
            int[] sources = batch.sources();
            float[] batchReference = new float[sources.length * 2];
            for (int i = 0; i < sources.length; i++) {
                batchReference[i * 2] = reference[sources[i] * 2];
                batchReference[i * 2 + 1] = reference[sources[i] * 2 + 1];
            }
            NDArray policy =
                    DpoLoss.sequenceLogProbs(logits, arrays.labels(), sides(batch, manager));
            NDArray rewards =
                    DpoLoss.rewards(
                            policy,
                            manager.create(batchReference, new Shape(sources.length, 2)),
                            beta);
            NDArray loss = DpoLoss.losses(rewards).sum();
            float[] values = rewards.toFloatArray();
            double chosen = 0;
            double rejected = 0;
            double wins = 0;
            for (int i = 0; i < sources.length; i++) {
                chosen += values[i * 2];
                rejected += values[i * 2 + 1];
                wins += values[i * 2] > values[i * 2 + 1] ? 1 : 0;
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put(CHOSEN, chosen);
            metrics.put(REJECTED, rejected);
            metrics.put(MARGINS, chosen - rejected);
            metrics.put(ACCURACIES, wins);
            return new Sums(loss, metrics);
        }

        /** The chosen completions' tokens. */
        @Override
        public NDArray accuracyMask(Batch batch, Batch.Arrays arrays) {
            float[] mask = batch.lossMask().clone();
            for (int i = 0; i < mask.length; i++) {
                mask[i] = batch.segmentIds()[i] == 0 ? mask[i] : 0;
            }
            return arrays.lossMask().getManager().create(mask, arrays.lossMask().getShape());
        }
    }
}
