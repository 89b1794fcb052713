package dev.anneal.tuner.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.data.TokenizedExample;
import dev.anneal.tuner.loss.MaskedCrossEntropyLoss;
import dev.anneal.tuner.train.TrainableModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Packing is exact: three supervised examples packed into one row give the same per-example losses
 * and the same gradients as the three examples trained alone, one row each, on stories260K with
 * every parameter trained (so that every weight's gradient is compared).
 */
class PackedTrainingTest {

    /** Relative (L2 norm of the difference over the norm): float32 sums in another order. */
    private static final double TOLERANCE = 1e-5;

    private static final List<TokenizedExample> EXAMPLES =
            List.of(
                    example(new long[] {1, 403, 407, 261, 378, 300, 301, 2}, 5),
                    example(new long[] {1, 300, 301, 302, 303, 2}, 3),
                    example(new long[] {1, 410, 260, 270, 280, 290, 310, 320, 330, 2}, 4));

    @Test
    void shouldGiveEachExampleItsOwnLossWhenPackedInOneRow() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableModel model =
                    TrainableModel.of(HfModelLoader.load(Stories260K.DIR, manager), null, manager);
            SequencePacker.Packed packed = SequencePacker.pack(EXAMPLES, 64, true, false);
            assertThat(packed.rows()).hasSize(1);
            SequenceRow row = packed.rows().get(0);
            assertThat(row.segmentIds()).contains(0, 1, 2);

            float[] together = segmentLosses(model, row, manager);
            for (int i = 0; i < EXAMPLES.size(); i++) {
                SequenceRow alone =
                        SequencePacker.pack(List.of(EXAMPLES.get(i)), 64, true, false)
                                .rows()
                                .get(0);
                float expected = segmentLosses(model, alone, manager)[0];
                assertThat(together[i]).isCloseTo(expected, within(1e-5f * Math.abs(expected)));
            }
        }
    }

    @Test
    void shouldGiveTheSameGradientsAsExamplesAloneWhenPacked() throws Exception {
        assertSameGradientsAsAlone(64, 1);
    }

    @Test
    void shouldGiveTheSameGradientsAsExamplesAloneWhenPackedRowsArePadded() throws Exception {
        // 7 + 5 positions in the first row, 9 in the second, padded to 12 in the batch
        assertSameGradientsAsAlone(12, 2);
    }

    private static void assertSameGradientsAsAlone(int maxSeqLength, int packedRowCount)
            throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableModel model =
                    TrainableModel.of(HfModelLoader.load(Stories260K.DIR, manager), null, manager);
            List<SequenceRow> packedRows =
                    SequencePacker.pack(EXAMPLES, maxSeqLength, true, false).rows();
            List<SequenceRow> separateRows = SequencePacker.pack(EXAMPLES, 64, false, false).rows();
            assertThat(packedRows).hasSize(packedRowCount);
            assertThat(separateRows).hasSize(3);

            double packedLoss = backward(model, packedRows, manager);
            Map<String, NDArray> packedGradients = copyOfGradients(model, manager);
            model.zeroGradients(manager);
            double separateLoss = 0;
            for (SequenceRow row : separateRows) {
                separateLoss += backward(model, List.of(row), manager);
            }
            Map<String, NDArray> separateGradients = copyOfGradients(model, manager);

            assertThat(packedLoss).isCloseTo(separateLoss, within(TOLERANCE * separateLoss));
            assertThat(packedGradients).hasSize(separateGradients.size()).isNotEmpty();
            double worst = 0;
            for (Map.Entry<String, NDArray> entry : separateGradients.entrySet()) {
                NDArray expected = entry.getValue();
                NDArray actual = packedGradients.get(entry.getKey());
                double norm = expected.norm().getFloat();
                double error = actual.sub(expected).norm().getFloat() / Math.max(norm, 1e-12);
                worst = Math.max(worst, error);
                assertThat(error)
                        .as("relative error (L2) of the gradient of %s", entry.getKey())
                        .isLessThanOrEqualTo(TOLERANCE);
            }
            System.out.printf("packed against alone: worst gradient relative error %.2e%n", worst);
        }
    }

    /** The summed cross-entropy of each segment of one row, forward only. */
    private static float[] segmentLosses(TrainableModel model, SequenceRow row, NDManager manager) {
        Batch batch = Batch.collate(List.of(row), true);
        try (NDManager step = manager.newSubManager()) {
            Batch.Arrays arrays = batch.toArrays(step);
            NDArray logits = model.logits(arrays, false);
            int segments = row.segmentIds()[row.length() - 1] + 1;
            float[] losses = new float[segments];
            for (int segment = 0; segment < segments; segment++) {
                NDArray inSegment =
                        arrays.segmentIds()
                                .eq(step.create((long) segment))
                                .toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                losses[segment] =
                        MaskedCrossEntropyLoss.sum(
                                        logits, arrays.labels(), arrays.lossMask().mul(inSegment))
                                .getFloat();
            }
            return losses;
        }
    }

    /** Forward and backward of the summed loss of some rows, gradients accumulating. */
    private static double backward(
            TrainableModel model, List<SequenceRow> rows, NDManager manager) {
        Batch batch = Batch.collate(rows, true);
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Batch.Arrays arrays = batch.toArrays(step);
            NDArray loss =
                    MaskedCrossEntropyLoss.sum(
                            model.logits(arrays, true), arrays.labels(), arrays.lossMask());
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    private static Map<String, NDArray> copyOfGradients(TrainableModel model, NDManager manager) {
        Map<String, NDArray> copies = new LinkedHashMap<>();
        try (NDManager step = manager.newSubManager()) {
            model.gradients(step)
                    .forEach(
                            (name, gradient) ->
                                    copies.put(name, gradient.get(new NDIndex("...")).duplicate()));
            copies.values().forEach(copy -> copy.attach(manager));
        }
        return copies;
    }

    /** An example whose last {@code answer} tokens are the targets (the assistant's turn). */
    private static TokenizedExample example(long[] ids, int answer) {
        boolean[] targets = new boolean[ids.length];
        for (int t = ids.length - answer; t < ids.length; t++) {
            targets[t] = true;
        }
        return new TokenizedExample(ids, targets);
    }
}
