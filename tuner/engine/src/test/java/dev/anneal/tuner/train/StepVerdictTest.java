package dev.anneal.tuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.optim.GradientClipping;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepVerdictTest {

    private static LossSpikeDetector detector(double... losses) {
        LossSpikeDetector detector = new LossSpikeDetector(StabilityConfig.DEFAULT);
        for (double loss : losses) {
            detector.accept(loss);
        }
        return detector;
    }

    @Test
    void shouldSkipWhenLossOrGradientIsNotFinite() {
        LossSpikeDetector history = detector(1, 1, 1, 1, 1);

        assertThat(StepVerdict.of(Double.NaN, 1, history))
                .isEqualTo(StepVerdict.SKIP_NON_FINITE_LOSS);
        assertThat(StepVerdict.of(Double.POSITIVE_INFINITY, Double.NaN, history))
                .isEqualTo(StepVerdict.SKIP_NON_FINITE_LOSS);
        assertThat(StepVerdict.of(1, Double.POSITIVE_INFINITY, history))
                .isEqualTo(StepVerdict.SKIP_NON_FINITE_GRADIENT);
        assertThat(StepVerdict.SKIP_NON_FINITE_GRADIENT.skipReason())
                .isEqualTo(TrainingEvent.SkipReason.NON_FINITE_GRADIENT);
    }

    @Test
    void shouldRollBackWhenLossSpikesAndApplyOtherwise() {
        assertThat(StepVerdict.of(3.5, 1, detector(1, 1, 1, 1, 1)))
                .isEqualTo(StepVerdict.ROLL_BACK);
        assertThat(StepVerdict.of(2.5, 1, detector(1, 1, 1, 1, 1))).isEqualTo(StepVerdict.APPLY);
        assertThat(StepVerdict.of(9, 1, detector(1, 1))).isEqualTo(StepVerdict.APPLY);
    }

    /** What a skipped step relies on: a NaN gradient is seen, then cleared (not NaN - NaN). */
    @Test
    void shouldSeeAndClearNanGradientWhenSkippingStep() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableModel model =
                    TrainableModel.load(
                            Stories260K.DIR,
                            LoraConfig.rank(2).withAlpha(4).withTargetModules("q_proj"),
                            1,
                            manager);
            try (NDManager step = manager.newSubManager()) {
                NDArray ids = step.create(new long[] {1, 403, 407}, new Shape(1, 3));
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(
                            model.model()
                                    .forward(model.parameterStore(), ids, null, null, true)
                                    .mean());
                }
                NDArray gradient = model.gradients(step).values().iterator().next();
                gradient.set(new NDIndex("..."), Float.NaN);
                Map<String, NDArray> gradients = model.gradients(step);

                double norm = GradientClipping.globalNorm(gradients.values(), step);
                StepVerdict verdict = StepVerdict.of(2.0, norm, detector());
                model.zeroGradients(step);

                assertThat(verdict).isEqualTo(StepVerdict.SKIP_NON_FINITE_GRADIENT);
                assertThat(GradientClipping.globalNorm(model.gradients(step).values(), step))
                        .isZero();
            }
        }
    }
}
