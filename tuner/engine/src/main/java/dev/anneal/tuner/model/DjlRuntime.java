package dev.anneal.tuner.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Process-wide DJL settings the engine relies on.
 *
 * <p>DJL downloads native libraries and model files when they are missing and, outside offline
 * mode, probes cloud metadata endpoints for telemetry when a tokenizer is created. An on-prem
 * engine must do neither: libtorch comes from the {@code pytorch-native-cpu} jar on the class path,
 * tokenizers from the model folder.
 */
public final class DjlRuntime {

    /** DJL's switch: with it any download fails fast instead of hanging or phoning home. */
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";

    private DjlRuntime() {}

    /**
     * Turns libtorch's gradient recording off for the calling thread, so that only a {@link
     * ai.djl.training.GradientCollector} turns it on. libtorch's grad mode is per thread and on by
     * default; DJL turns it off only on the thread that starts the engine, so on any other thread
     * an in-place update of a trainable weight (the optimiser's step, a restored snapshot) fails
     * with "a leaf Variable that requires grad is being used in an in-place operation". Call at the
     * start of work on a thread of its own; starts the engine if it is not started yet.
     */
    public static void recordGradientsOnlyWhenAsked() {
        Engine.getEngine("PyTorch");
        JniUtils.setGradMode(false);
    }

    /**
     * Sets libtorch's intra-op threads for the calling thread, for good. Call on a thread that
     * computes (an engine thread, a training slot) before its first operation.
     *
     * <p>With OpenMP every thread that runs a parallel operation owns a team of that many threads,
     * kept until it ends. Once the teams of a process together hold more threads than there are
     * cores, libgomp stops spinning between parallel regions and puts its threads to sleep after
     * each one; on two cores that made one stream decode 40% slower (ADR 0051). So the threads that
     * compute say how many they use, and the others load single-threaded ({@link #singleThreaded}).
     *
     * <p>Setting the count is not enough: libtorch sets a thread's count once more at its first
     * parallel operation, to the count last set by any thread. Asking for the count triggers that
     * first, so the count set after it stays.
     *
     * @param threads the threads of this thread's operations, at least 1
     */
    public static void useIntraOpThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        JniUtils.getNumThreads();
        JniUtils.setNumThreads(threads);
    }

    /**
     * Makes the calling thread's libtorch operations single-threaded until the returned scope
     * closes, which restores its count. For work outside the threads that compute, such as loading
     * weights on a request thread: that thread then never owns an OpenMP team of its own ({@link
     * #useIntraOpThreads}).
     *
     * @return the scope to close when the work is done
     */
    public static SingleThreaded singleThreaded() {
        Engine.getEngine("PyTorch");
        int before = JniUtils.getNumThreads();
        useIntraOpThreads(1);
        return () -> useIntraOpThreads(before);
    }

    /** A span of single-threaded libtorch work on one thread; closing it restores the count. */
    @FunctionalInterface
    public interface SingleThreaded extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Turns DJL's offline mode on unless the operator chose explicitly, through the {@code
     * ai.djl.offline} system property or the {@code DJL_OFFLINE} environment variable. Call before
     * the first DJL engine, manager or tokenizer is created; calling again does nothing.
     */
    public static void offlineByDefault() {
        if (System.getProperty(OFFLINE_PROPERTY) == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        }
    }
}
