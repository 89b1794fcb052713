package dev.anneal.tuner.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class DjlRuntimeTest {

    @Test
    void aThreadKeepsItsIntraOpThreadsWhenAnotherThreadSetsOthersBeforeItsFirstOperation()
            throws Exception {
        CountDownLatch set = new CountDownLatch(1);
        CountDownLatch otherSet = new CountDownLatch(1);
        CompletableFuture<Integer> computing =
                onNewThread(
                        () -> {
                            DjlRuntime.useIntraOpThreads(3);
                            set.countDown();
                            await(otherSet);
                            parallelOperation();
                            return JniUtils.getNumThreads();
                        });
        await(set);
        onNewThread(
                        () -> {
                            DjlRuntime.useIntraOpThreads(1);
                            parallelOperation();
                            otherSet.countDown();
                            return JniUtils.getNumThreads();
                        })
                .get(30, TimeUnit.SECONDS);

        assertThat(computing.get(30, TimeUnit.SECONDS)).isEqualTo(3);
    }

    @Test
    void aSingleThreadedSpanRestoresTheThreadsCount() throws Exception {
        int[] counts =
                onNewThread(
                                () -> {
                                    DjlRuntime.useIntraOpThreads(2);
                                    int inside;
                                    try (DjlRuntime.SingleThreaded span =
                                            DjlRuntime.singleThreaded()) {
                                        parallelOperation();
                                        inside = JniUtils.getNumThreads();
                                    }
                                    return new int[] {inside, JniUtils.getNumThreads()};
                                })
                        .get(30, TimeUnit.SECONDS);

        assertThat(counts).containsExactly(1, 2);
    }

    /** An operation large enough for libtorch to split it over its threads. */
    private static void parallelOperation() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(512, 512));
            x.matMul(x).add(1).sum().getFloat();
        }
    }

    private static <T> CompletableFuture<T> onNewThread(Supplier<T> body) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                result.complete(body.get());
                            } catch (Throwable e) {
                                result.completeExceptionally(e);
                            }
                        });
        thread.start();
        return result;
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
