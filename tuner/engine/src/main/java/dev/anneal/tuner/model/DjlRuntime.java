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
