package dev.anneal.tuner.train;

import static dev.anneal.tuner.ReferenceAssertions.assertCloseToReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.TokenizedExample;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraLinear;
import dev.anneal.tuner.lora.LoraProjections;
import dev.anneal.tuner.loss.MaskedCrossEntropyLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One training step on stories260K against the PyTorch reference of {@code
 * src/test/resources/fixtures/reference-gradients} (float64, see its README): the loss and the
 * gradient of every trainable tensor, for full fine-tuning (47 tensors) and for LoRA (r 4, alpha 8,
 * on q,k,v,o,gate,up,down of every layer, A and B set to the reference's initial values: 70
 * tensors).
 *
 * <p>Tolerance: each gradient element within {@code 1e-4 * max|reference|} of its reference, the
 * maximum taken over that tensor (a relative error per tensor, so that tiny elements of a tensor
 * are judged at the tensor's scale); the loss within {@code 1e-4} relative. The batch goes through
 * the data path ({@link SequencePacker}, {@link Batch}) and the loss through {@link
 * MaskedCrossEntropyLoss}, as in the recipes.
 */
class ReferenceGradientsTest {

    private static final Path FIXTURES =
            Path.of("src", "test", "resources", "fixtures", "reference-gradients");
    private static final double TOLERANCE = 1e-4;

    @Test
    void shouldMatchPyTorchLossAndGradientsWhenFullFineTuning() throws Exception {
        SafetensorsFile reference = SafetensorsFile.open(FIXTURES.resolve("full.safetensors"));
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableModel model =
                    TrainableModel.of(HfModelLoader.load(Stories260K.DIR, manager), null, manager);

            double loss = oneStep(model, manager);

            assertLoss(loss, reference);
            assertThat(model.trainable()).hasSize(47);
            try (NDManager step = manager.newSubManager()) {
                for (Map.Entry<String, NDArray> gradient : model.gradients(step).entrySet()) {
                    NDArray expected = reference.load(step, gradient.getKey() + ".grad");
                    assertCloseToReference(
                            gradient.getKey(), gradient.getValue(), expected, TOLERANCE);
                }
            }
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
            for (LoraLinear adapter : projections.adapters()) {
                String peft = "base_model.model." + adapter.modulePath();
                adapter.setAdapterWeights(
                        reference.load(manager, peft + ".lora_A.weight"),
                        reference.load(manager, peft + ".lora_B.weight"));
            }
            TrainableModel model = TrainableModel.of(base, projections, manager);

            double loss = oneStep(model, manager);

            assertLoss(loss, reference);
            assertThat(model.trainable()).hasSize(70);
            try (NDManager step = manager.newSubManager()) {
                for (Map.Entry<String, NDArray> gradient : model.gradients(step).entrySet()) {
                    String name = "base_model.model." + gradient.getKey() + ".grad";
                    assertCloseToReference(
                            name, gradient.getValue(), reference.load(step, name), TOLERANCE);
                }
            }
        }
    }

    /** Forward and backward on the fixture batch; returns the loss. */
    private static double oneStep(TrainableModel model, NDManager manager) throws Exception {
        Batch batch = fixtureBatch();
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Batch.Arrays arrays = batch.toArrays(step);
            NDArray logits = model.logits(arrays, true);
            NDArray loss =
                    MaskedCrossEntropyLoss.sum(logits, arrays.labels(), arrays.lossMask())
                            .div(step.create((float) batch.countedTokens()));
            System.gc(); // provoke the use-after-free of docs/djl-facts.md if a scalar overload
            // crept in
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    /**
     * The README's batch: ids {@code [2, 16]}; position t predicts id t+1, counted where {@code
     * loss_mask[i][t]} is 1.
     */
    private static Batch fixtureBatch() throws Exception {
        SafetensorsFile file = SafetensorsFile.open(FIXTURES.resolve("batch.safetensors"));
        long[] ids = file.readLongs("input_ids");
        float[] mask;
        try (NDManager manager = NDManager.newBaseManager()) {
            mask = file.load(manager, "loss_mask").toFloatArray();
        }
        List<TokenizedExample> rows = new ArrayList<>();
        for (int row = 0; row < 2; row++) {
            long[] rowIds = Arrays.copyOfRange(ids, row * 16, row * 16 + 16);
            boolean[] targets = new boolean[16];
            for (int t = 0; t < 15; t++) {
                targets[t + 1] = mask[row * 15 + t] > 0;
            }
            rows.add(new TokenizedExample(rowIds, targets));
        }
        SequencePacker.Packed packed = SequencePacker.pack(rows, 15, false, false);
        assertThat(packed.stats().countedTokens()).isEqualTo(26);
        return Batch.collate(packed.rows(), false);
    }

    private static void assertLoss(double loss, SafetensorsFile reference) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            double expected = reference.load(manager, "loss").getFloat();
            assertThat(loss).isCloseTo(expected, within(TOLERANCE * expected));
        }
    }
}
