package dev.anneal.tuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.loss.MaskedCrossEntropyLoss;
import dev.anneal.tuner.optim.AdamW;
import dev.anneal.tuner.optim.GradientClipping;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainableModelTest {

    @Test
    void shouldLeaveBaseWeightsBitForBitUnchangedWhenTrainingLora() throws Exception {
        LoraConfig lora =
                LoraConfig.rank(4)
                        .withAlpha(8)
                        .withDropout(0.1)
                        .withTargetModules(LoraConfig.ALL_MODULES);
        try (NDManager manager = NDManager.newBaseManager();
                AdamW adamW = new AdamW(manager, 0.9, 0.999, 1e-8, 0.1)) {
            TrainableModel model = TrainableModel.load(Stories260K.DIR, lora, 3, manager);
            Map<String, float[]> before = new HashMap<>();
            model.model()
                    .stateDict()
                    .forEach((name, p) -> before.put(name, p.getArray().toFloatArray()));

            for (int i = 0; i < 3; i++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray ids = step.randomInteger(3, 500, new Shape(2, 12), DataType.INT64);
                    try (GradientCollector collector =
                            Engine.getInstance().newGradientCollector()) {
                        NDArray logits =
                                model.model()
                                        .forward(model.parameterStore(), ids, null, null, true);
                        collector.backward(
                                MaskedCrossEntropyLoss.mean(
                                        logits, ids, step.ones(new Shape(2, 12))));
                    }
                    adamW.step(model.values(), model.gradients(step), 1e-2, step);
                    model.zeroGradients(step);
                }
            }

            assertThat(model.trainable().keySet())
                    .hasSize(70)
                    .allMatch(name -> name.contains(".lora_A.") || name.contains(".lora_B."));
            for (Map.Entry<String, Parameter> entry : model.model().stateDict().entrySet()) {
                float[] now = entry.getValue().getArray().toFloatArray();
                if (model.trainable().containsKey(entry.getKey())) {
                    if (entry.getKey().contains("lora_B")) {
                        assertThat(now).as(entry.getKey()).isNotEqualTo(before.get(entry.getKey()));
                    }
                } else {
                    assertThat(now).as(entry.getKey()).containsExactly(before.get(entry.getKey()));
                    assertThat(entry.getValue().getArray().hasGradient()).isFalse();
                }
            }
        }
    }

    @Test
    void shouldKeepManagedArraysConstantWhenStepping() throws Exception {
        LoraConfig lora =
                LoraConfig.rank(2)
                        .withAlpha(4)
                        .withDropout(0.1)
                        .withTargetModules("q_proj", "v_proj");
        try (NDManager manager = NDManager.newBaseManager();
                AdamW adamW = new AdamW(manager, 0.9, 0.999, 1e-8, 0.1)) {
            TrainableModel model = TrainableModel.load(Stories260K.DIR, lora, 3, manager);
            int[] sizes = new int[4];
            for (int i = 0; i < sizes.length; i++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray ids = step.randomInteger(3, 500, new Shape(2, 8), DataType.INT64);
                    NDArray segments = step.zeros(new Shape(2, 8), DataType.INT64);
                    try (GradientCollector collector =
                            Engine.getInstance().newGradientCollector()) {
                        NDArray logits =
                                model.model()
                                        .forward(model.parameterStore(), ids, null, segments, true);
                        collector.backward(
                                MaskedCrossEntropyLoss.mean(
                                        logits, ids, step.ones(new Shape(2, 8))));
                    }
                    Map<String, NDArray> gradients = model.gradients(step);
                    double norm = GradientClipping.globalNorm(gradients.values(), step);
                    GradientClipping.clip(gradients.values(), norm, 1e-3);
                    adamW.step(model.values(), gradients, 1e-2, step);
                    model.zeroGradients(step);
                }
                sizes[i] = manager.getManagedArrays().size();
            }

            assertThat(sizes[3]).isEqualTo(sizes[1]);
        }
    }

    @Test
    void shouldTrainEveryWeightWhenFineTuningFully() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableModel model = TrainableModel.load(Stories260K.DIR, null, 0, manager);

            assertThat(model.trainable()).hasSize(47);
            assertThat(model.trainableElements()).isEqualTo(model.totalElements());
        }
    }

    @Test
    void shouldFlagSpikeOnlyAboveFactorTimesRunningMeanWhenHistoryIsLongEnough() {
        LossSpikeDetector detector =
                new LossSpikeDetector(StabilityConfig.DEFAULT.withMinHistory(2).withSpikeWindow(3));

        detector.accept(1.0);
        assertThat(detector.isSpike(100)).isFalse();
        detector.accept(2.0);
        detector.accept(3.0);
        detector.accept(4.0);

        assertThat(detector.history()).containsExactly(2.0, 3.0, 4.0);
        assertThat(detector.isSpike(8.9)).isFalse();
        assertThat(detector.isSpike(9.1)).isTrue();
        detector.restore(List.of(1.0, 1.0));
        assertThat(detector.isSpike(3.5)).isTrue();
    }
}
