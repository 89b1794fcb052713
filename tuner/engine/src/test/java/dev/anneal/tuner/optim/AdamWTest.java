package dev.anneal.tuner.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

    /**
     * Two steps by hand, as torch.optim.AdamW(lr=0.1, betas=(0.9, 0.999), eps=1e-8,
     * weight_decay=0.1) computes them for p = [[1, -2]], g = [[0.5, -1]] twice: [[0.89, -1.88]],
     * then [[0.7811, -1.7612]].
     */
    @Test
    void shouldMatchPyTorchAdamWWhenStepping() {
        try (NDManager manager = NDManager.newBaseManager();
                AdamW adamW = new AdamW(manager, 0.9, 0.999, 1e-8, 0.1)) {
            NDArray p = manager.create(new float[] {1, -2}, new Shape(1, 2));
            NDArray g = manager.create(new float[] {0.5f, -1}, new Shape(1, 2));

            adamW.step(Map.of("w", p), Map.of("w", g), 0.1, manager);
            assertThat(p.toFloatArray())
                    .containsExactly(new float[] {0.89f, -1.88f}, within(1e-6f));

            adamW.step(Map.of("w", p), Map.of("w", g), 0.1, manager);
            assertThat(p.toFloatArray())
                    .containsExactly(new float[] {0.7811f, -1.7612f}, within(1e-5f));
            assertThat(adamW.stepCount()).isEqualTo(2);
            assertThat(adamW.state()).containsOnlyKeys("exp_avg.w", "exp_avg_sq.w");
        }
    }

    @Test
    void shouldNotDecayVectorsWhenWeightDecayIsSet() {
        try (NDManager manager = NDManager.newBaseManager();
                AdamW adamW = new AdamW(manager, 0.9, 0.999, 1e-8, 0.5)) {
            NDArray norm = manager.create(new float[] {1, 1});
            NDArray zero = manager.zeros(new Shape(2));

            adamW.step(Map.of("norm", norm), Map.of("norm", zero), 0.1, manager);

            assertThat(norm.toFloatArray()).containsExactly(1, 1);
        }
    }

    @Test
    void shouldContinueIdenticallyWhenStateIsRestored() {
        try (NDManager manager = NDManager.newBaseManager();
                AdamW first = new AdamW(manager, 0.9, 0.99, 1e-8, 0.0);
                AdamW second = new AdamW(manager, 0.9, 0.99, 1e-8, 0.0)) {
            NDArray p = manager.create(new float[] {1, 2, 3}, new Shape(1, 3));
            NDArray g = manager.create(new float[] {0.3f, -0.2f, 0.1f}, new Shape(1, 3));
            first.step(Map.of("w", p), Map.of("w", g), 0.01, manager);
            NDArray q = p.duplicate();

            second.restore(first.state(), first.stepCount());
            first.step(Map.of("w", p), Map.of("w", g), 0.01, manager);
            second.step(Map.of("w", q), Map.of("w", g), 0.01, manager);

            assertThat(q.toFloatArray()).containsExactly(p.toFloatArray());
        }
    }
}
