package dev.anneal.tuner.model;

import static dev.anneal.tuner.model.LlamaForCausalLM.PackedAttention.PER_EXAMPLE;
import static dev.anneal.tuner.model.LlamaForCausalLM.PackedAttention.WHOLE_ROWS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.model.LlamaForCausalLM.PackedAttention;
import dev.anneal.tuner.train.TrainableModel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Packed rows: examples sharing a row must not see each other, and their positions restart. */
class PackedForwardTest {

    private static final long[] FIRST = {1, 403, 407, 261, 378};
    private static final long[] SECOND = {1, 300, 301, 302};

    @Test
    void shouldGiveEachExampleItsOwnLogitsWhenPackedInOneRow() {
        LlamaForCausalLM model = Stories260K.model();
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray row = manager.create(concat(FIRST, SECOND), new Shape(1, 9));
            NDArray positions =
                    manager.create(new long[] {0, 1, 2, 3, 4, 0, 1, 2, 3}, new Shape(1, 9));
            NDArray segments =
                    manager.create(new long[] {0, 0, 0, 0, 0, 1, 1, 1, 1}, new Shape(1, 9));

            NDArray packed = model.forward(ps, row, positions, segments, false);
            NDArray first = model.logits(manager.create(FIRST, new Shape(1, 5)), null);
            NDArray second = model.logits(manager.create(SECOND, new Shape(1, 4)), null);

            assertThat(packed.get(new NDIndex(":, 0:5")).toFloatArray())
                    .containsExactly(first.toFloatArray(), within(1e-4f));
            assertThat(packed.get(new NDIndex(":, 5:9")).toFloatArray())
                    .containsExactly(second.toFloatArray(), within(1e-4f));
        }
    }

    @Test
    void shouldLetSecondExampleSeeFirstWhenNoSegmentsAreGiven() {
        LlamaForCausalLM model = Stories260K.model();
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray row = manager.create(concat(FIRST, SECOND), new Shape(1, 9));

            NDArray plain = model.forward(ps, row, null, null, false);
            NDArray second = model.logits(manager.create(SECOND, new Shape(1, 4)), null);

            float[] actual = plain.get(new NDIndex(":, 5:9")).toFloatArray();
            float[] alone = second.toFloatArray();
            double difference = 0;
            for (int i = 0; i < actual.length; i++) {
                difference = Math.max(difference, Math.abs(actual[i] - alone[i]));
            }
            assertThat(difference).isGreaterThan(1e-2);
            assertThat(plain.toFloatArray())
                    .containsExactly(model.logits(row, null).toFloatArray(), within(1e-5f));
        }
    }

    @Test
    void shouldLetNoTokenSeeAnotherExampleWhenPacked() {
        LlamaForCausalLM model = Stories260K.model();
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray positions =
                    manager.create(new long[] {0, 1, 2, 3, 4, 0, 1, 2, 3}, new Shape(1, 9));
            NDArray segments =
                    manager.create(new long[] {0, 0, 0, 0, 0, 1, 1, 1, 1}, new Shape(1, 9));
            long[] changedFirst = {1, 500, 17, 44, 99};
            long[] changedSecond = {1, 9, 8, 7};

            NDArray packed =
                    model.forward(
                            ps,
                            manager.create(concat(FIRST, SECOND), new Shape(1, 9)),
                            positions,
                            segments,
                            false);
            NDArray otherFirst =
                    model.forward(
                            ps,
                            manager.create(concat(changedFirst, SECOND), new Shape(1, 9)),
                            positions,
                            segments,
                            false);
            NDArray otherSecond =
                    model.forward(
                            ps,
                            manager.create(concat(FIRST, changedSecond), new Shape(1, 9)),
                            positions,
                            segments,
                            false);

            // the second example's logits do not depend on the first one's tokens, nor the reverse
            assertThat(otherFirst.get(new NDIndex(":, 5:9")).toFloatArray())
                    .containsExactly(packed.get(new NDIndex(":, 5:9")).toFloatArray());
            assertThat(otherSecond.get(new NDIndex(":, 0:5")).toFloatArray())
                    .containsExactly(packed.get(new NDIndex(":, 0:5")).toFloatArray());
        }
    }

    @Test
    void shouldGiveTheSameLogitsAndGradientsPerExampleAsOverWholeRows() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableModel model =
                    TrainableModel.of(HfModelLoader.load(Stories260K.DIR, manager), null, manager);
            // two examples in the first row; one and padding in the second
            NDArray ids = manager.create(concat(concat(FIRST, SECOND), concat(SECOND, FIRST)));
            ids = ids.reshape(2, 9);
            NDArray positions =
                    manager.create(
                            new long[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 1, 2, 3, 0, 0, 0, 0, 0},
                            new Shape(2, 9));
            NDArray segments =
                    manager.create(
                            new long[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, -1, -1, -1, -1, -1},
                            new Shape(2, 9));
            NDArray weights =
                    manager.randomNormal(new Shape(2, 9, 512))
                            .mul(segments.gte(0).toType(DataType.FLOAT32, false).reshape(2, 9, 1));

            Map<String, float[]> perExample =
                    logitsAndGradients(model, ids, positions, segments, weights, PER_EXAMPLE);
            Map<String, float[]> wholeRows =
                    logitsAndGradients(model, ids, positions, segments, weights, WHOLE_ROWS);

            assertThat(perExample.keySet()).containsExactlyElementsOf(wholeRows.keySet());
            assertThat(perExample).hasSizeGreaterThan(10);
            for (String name : perExample.keySet()) {
                float[] actual = perExample.get(name);
                float[] expected = wholeRows.get(name);
                double difference = 0;
                double norm = 0;
                for (int i = 0; i < expected.length; i++) {
                    difference += Math.pow(actual[i] - expected[i], 2);
                    norm += Math.pow(expected[i], 2);
                }
                assertThat(Math.sqrt(difference / Math.max(norm, 1e-24)))
                        .as("relative error (L2) of %s", name)
                        .isLessThanOrEqualTo(1e-5);
            }
        }
    }

    /**
     * The logits where {@code weights} count (the padding's are not read), under "logits", and the
     * gradient of every weight of {@code Σ logits × weights}, by parameter name.
     */
    private static Map<String, float[]> logitsAndGradients(
            TrainableModel model,
            NDArray ids,
            NDArray positions,
            NDArray segments,
            NDArray weights,
            PackedAttention how) {
        Map<String, float[]> result = new LinkedHashMap<>();
        try (NDManager step = ids.getManager().newSubManager()) {
            model.zeroGradients(step);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits =
                        model.model()
                                .forward(
                                        model.parameterStore(),
                                        ids,
                                        positions,
                                        segments,
                                        true,
                                        how);
                NDArray weighted = logits.mul(weights);
                result.put("logits", weighted.toFloatArray());
                collector.backward(weighted.sum());
            }
            model.gradients(step)
                    .forEach((name, gradient) -> result.put(name, gradient.toFloatArray()));
        }
        return result;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] joined = new long[a.length + b.length];
        System.arraycopy(a, 0, joined, 0, a.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
