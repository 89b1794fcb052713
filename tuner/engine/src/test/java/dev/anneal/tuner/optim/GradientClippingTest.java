package dev.anneal.tuner.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    @Test
    void shouldScaleToMaxNormWhenGlobalNormIsLarger() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {3});
            NDArray b = manager.create(new float[] {0, 4});

            double norm = GradientClipping.globalNorm(List.of(a, b), manager);
            boolean clipped = GradientClipping.clip(List.of(a, b), norm, 1.0);

            assertThat(norm).isCloseTo(5, within(1e-6));
            assertThat(clipped).isTrue();
            assertThat(a.toFloatArray()).containsExactly(new float[] {0.6f}, within(1e-6f));
            assertThat(b.toFloatArray()).containsExactly(new float[] {0, 0.8f}, within(1e-6f));
        }
    }

    @Test
    void shouldLeaveGradientsWhenNormIsWithinLimit() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {0.3f, 0.4f});

            boolean clipped = GradientClipping.clip(List.of(a), 0.5, 1.0);

            assertThat(clipped).isFalse();
            assertThat(a.toFloatArray()).containsExactly(0.3f, 0.4f);
        }
    }
}
