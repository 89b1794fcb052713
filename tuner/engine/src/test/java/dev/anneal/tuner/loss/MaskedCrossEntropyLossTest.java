package dev.anneal.tuner.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class MaskedCrossEntropyLossTest {

    @Test
    void shouldAverageOverCountedTokensOnlyWhenMasked() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // [1, 3, 2]: uniform, certain-right, certain-wrong (masked out)
            NDArray logits = manager.create(new float[] {0, 0, 20, 0, 0, 20}, new Shape(1, 3, 2));
            NDArray labels = manager.create(new long[] {1, 0, 0}, new Shape(1, 3));
            NDArray mask = manager.create(new float[] {1, 1, 0}, new Shape(1, 3));

            double loss = MaskedCrossEntropyLoss.mean(logits, labels, mask).getFloat();
            long correct = MaskedCrossEntropyLoss.correctTokens(logits, labels, mask);

            assertThat(loss).isCloseTo(Math.log(2) / 2, within(1e-6));
            assertThat(correct).isEqualTo(1);
        }
    }
}
