package dev.anneal.tuner.model;

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
