package dev.anneal.tuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ThreadGradientsTest {

    @Test
    void shouldCollectOnSeveralThreadsAtOnceEachItsOwnGradients() throws Exception {
        int threads = 4;
        CyclicBarrier together = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<float[]>> gradients = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                float scale = t + 1;
                gradients.add(
                        pool.submit(
                                () -> {
                                    try (NDManager manager = NDManager.newBaseManager()) {
                                        NDArray x = manager.create(new float[] {1, 2, 3});
                                        x.setRequiresGradient(true);
                                        try (ThreadGradients collector = new ThreadGradients()) {
                                            together.await(); // every thread is collecting now
                                            collector.backward(x.mul(x).mul(scale).sum());
                                            together.await();
                                        }
                                        return x.getGradient().toFloatArray();
                                    }
                                }));
            }
            for (int t = 0; t < threads; t++) {
                float scale = t + 1;
                // d/dx of scale · Σ x² is 2 · scale · x
                assertThat(gradients.get(t).get()).containsExactly(2 * scale, 4 * scale, 6 * scale);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRestoreTheThreadsGradModeWhenClosed() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1, 2});
            x.setRequiresGradient(true);
            try (ThreadGradients collector = new ThreadGradients()) {
                collector.backward(x.sum());
            }
            // outside a collector nothing is recorded: the result has no history to follow
            NDArray y = x.mul(3);
            assertThat(y.hasGradient()).isFalse();
        }
    }
}
