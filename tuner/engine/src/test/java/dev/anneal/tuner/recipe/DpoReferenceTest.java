package dev.anneal.tuner.recipe;

import static dev.anneal.tuner.ReferenceAssertions.assertCloseToReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.PreferencePair;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.data.TokenizedExample;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraLinear;
import dev.anneal.tuner.lora.LoraProjections;
import dev.anneal.tuner.train.BatchLoss;
import dev.anneal.tuner.train.TrainableModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One DPO step on stories260K against the PyTorch reference of {@code
 * src/test/resources/fixtures/reference-dpo} (float64, made by {@code
 * src/test/python/reference_dpo.py}): 3 pairs, beta 0.5, the reference model stories260K itself;
 * the loss, the rewards and the gradient of every trainable tensor, for full training (policy:
 * stories260K with the final norm scaled by 1.1) and for LoRA (r 4, alpha 8 on every projection, A
 * and B set to the reference's values).
 *
 * <p>The reference log-probabilities go through {@link DpoObjective#lossOver} with the model at the
 * reference weights, the pairs through {@link SequencePacker#packPairs} (both sides in one packed
 * row, where PyTorch runs each side alone). Tolerance as in the cross-entropy reference test:
 * {@code 1e-4} of each tensor's largest reference value, {@code 1e-4} relative on the loss.
 */
class DpoReferenceTest {

    private static final Path FIXTURES =
            Path.of("src", "test", "resources", "fixtures", "reference-dpo");
    private static final double TOLERANCE = 1e-4;
    private static final double BETA = 0.5;
    private static final double REWARD_ROUNDING = 1e-5;

    @Test
    void shouldMatchPyTorchLossAndGradientsWhenTrainingFully() throws Exception {
        SafetensorsFile reference = SafetensorsFile.open(FIXTURES.resolve("full.safetensors"));
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableModel model =
                    TrainableModel.of(HfModelLoader.load(Stories260K.DIR, manager), null, manager);
            List<SequenceRow> rows = fixturePairs();
            BatchLoss loss = new DpoObjective(BETA, 64, 2).lossOver(rows, model, manager);
            model.model()
                    .stateDict()
                    .get("model.norm.weight")
                    .getArray()
                    .set(new NDIndex("..."), reference.load(manager, "policy.model.norm.weight"));

            oneStep(model, rows, loss, reference, manager);

            assertThat(model.trainable()).hasSize(47);
            double worst = 0;
            try (NDManager step = manager.newSubManager()) {
                for (Map.Entry<String, NDArray> gradient : model.gradients(step).entrySet()) {
                    NDArray expected = reference.load(step, gradient.getKey() + ".grad");
                    worst =
                            Math.max(
                                    worst,
                                    assertCloseToReference(
                                            gradient.getKey(),
                                            gradient.getValue(),
                                            expected,
                                            TOLERANCE));
                }
            }
            System.out.printf("full DPO step: worst gradient relative error %.2e%n", worst);
        }
    }

    @Test
    void shouldMatchPyTorchLossAndGradientsWhenTrainingLora() throws Exception {
        SafetensorsFile reference = SafetensorsFile.open(FIXTURES.resolve("lora.safetensors"));
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections =
                    new LoraProjections(
                            LoraConfig.rank(4)
                                    .withAlpha(8)
                                    .withTargetModules(LoraConfig.ALL_MODULES),
                            manager);
            var base = HfModelLoader.load(Stories260K.DIR, manager, projections);
            projections.initialise(1); // B = 0: the reference is the base model
            TrainableModel model = TrainableModel.of(base, projections, manager);
            List<SequenceRow> rows = fixturePairs();
            BatchLoss loss = new DpoObjective(BETA, 64, 2).lossOver(rows, model, manager);
            for (LoraLinear adapter : projections.adapters()) {
                String peft = "base_model.model." + adapter.modulePath();
                adapter.setAdapterWeights(
                        reference.load(manager, peft + ".lora_A.weight"),
                        reference.load(manager, peft + ".lora_B.weight"));
            }

            oneStep(model, rows, loss, reference, manager);

            assertThat(model.trainable()).hasSize(70);
            double worst = 0;
            try (NDManager step = manager.newSubManager()) {
                for (Map.Entry<String, NDArray> gradient : model.gradients(step).entrySet()) {
                    String name = "base_model.model." + gradient.getKey() + ".grad";
                    worst =
                            Math.max(
                                    worst,
                                    assertCloseToReference(
                                            name,
                                            gradient.getValue(),
                                            reference.load(step, name),
                                            TOLERANCE));
                }
            }
            System.out.printf("LoRA DPO step: worst gradient relative error %.2e%n", worst);
        }
    }

    /** Forward and backward over all pairs as the loop does; checks the loss and the rewards. */
    private static void oneStep(
            TrainableModel model,
            List<SequenceRow> rows,
            BatchLoss loss,
            SafetensorsFile reference,
            NDManager manager)
            throws Exception {
        Batch batch = Batch.collate(rows, true);
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Batch.Arrays arrays = batch.toArrays(step);
            NDArray logits = model.logits(arrays, true);
            BatchLoss.Sums sums = loss.sums(logits, batch, arrays);
            NDArray mean = sums.loss().div(step.create((float) loss.weight(batch)));
            System.gc(); // provoke the use-after-free of docs/djl-facts.md if a scalar overload
            // crept in
            collector.backward(mean);

            float[] rewards = reference.load(step, "rewards").toFloatArray();
            double chosen = (rewards[0] + rewards[2] + rewards[4]) / 3;
            double rejected = (rewards[1] + rewards[3] + rewards[5]) / 3;
            double expectedLoss = reference.load(step, "loss").getFloat();
            assertThat(loss.weight(batch)).isEqualTo(3);
            System.out.printf("DPO loss %.7f, reference %.7f%n", mean.getFloat(), expectedLoss);
            assertThat((double) mean.getFloat())
                    .isCloseTo(expectedLoss, within(TOLERANCE * expectedLoss));
            Map<String, Double> metrics = sums.metrics();
            // A reward is a difference of two float32 sums near -150 (one ulp: 1.5e-5), times beta.
            assertThat(metrics.get(DpoObjective.CHOSEN) / 3)
                    .isCloseTo(chosen, within(TOLERANCE * Math.abs(chosen) + REWARD_ROUNDING));
            assertThat(metrics.get(DpoObjective.REJECTED) / 3)
                    .isCloseTo(rejected, within(TOLERANCE * Math.abs(rejected) + REWARD_ROUNDING));
            int wins = 0;
            for (int i = 0; i < 3; i++) {
                wins += rewards[2 * i] > rewards[2 * i + 1] ? 1 : 0;
            }
            assertThat(metrics.get(DpoObjective.ACCURACIES)).isEqualTo(wins);
        }
    }

    /** The fixture's pairs, one packed row each. */
    private static List<SequenceRow> fixturePairs() throws Exception {
        SafetensorsFile file = SafetensorsFile.open(FIXTURES.resolve("pairs.safetensors"));
        List<PreferencePair> pairs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pairs.add(
                    new PreferencePair(
                            side(file, "pair" + i + ".chosen"),
                            side(file, "pair" + i + ".rejected")));
        }
        SequencePacker.Packed packed = SequencePacker.packPairs(pairs, 64);
        assertThat(packed.stats().rows()).isEqualTo(3);
        assertThat(packed.stats().truncated()).isZero();
        return packed.rows();
    }

    private static TokenizedExample side(SafetensorsFile file, String name) throws Exception {
        long[] ids = file.readLongs(name + ".ids");
        long[] targets = file.readLongs(name + ".targets");
        boolean[] counted = new boolean[targets.length];
        for (int t = 0; t < targets.length; t++) {
            counted[t] = targets[t] == 1;
        }
        return new TokenizedExample(ids, counted);
    }
}
