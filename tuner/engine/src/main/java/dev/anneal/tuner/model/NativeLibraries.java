package dev.anneal.tuner.model;

import ai.djl.engine.Engine;
import java.nio.file.Path;

/**
 * Unpacks the native libraries DJL loads, libtorch with DJL's JNI bridge and the tokenizers
 * library, from their jars on the class path into {@code DJL_CACHE_DIR}, where DJL looks for them
 * first. A container image runs this once at build time, so that a process started from it extracts
 * nothing and may run on a read-only root file system:
 *
 * <pre>
 * DJL_CACHE_DIR=/opt/anneal/djl java -cp 'lib/main/*' dev.anneal.tuner.model.NativeLibraries
 * </pre>
 *
 * It prints the engine's version and where the libraries are, and exits non-zero if either fails to
 * load.
 */
public final class NativeLibraries {

    private NativeLibraries() {}

    public static void main(String[] args) {
        DjlRuntime.offlineByDefault();
        Engine engine = Engine.getEngine("PyTorch");
        ai.djl.huggingface.tokenizers.jni.LibUtils.checkStatus();
        String cache = System.getProperty("DJL_CACHE_DIR", System.getenv("DJL_CACHE_DIR"));
        System.out.println(
                "Loaded "
                        + engine.getEngineName()
                        + " "
                        + engine.getVersion()
                        + " and the tokenizers library from "
                        + (cache == null
                                ? Path.of(System.getProperty("user.home"), ".djl.ai")
                                : Path.of(cache)));
    }
}
