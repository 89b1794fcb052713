package dev.anneal.tuner.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

/**
 * Records gradients on the calling thread only, so that jobs training at once on the worker's slots
 * do not collide. DJL's own collector allows one in the whole process (a static flag: a second
 * slot's step fails with "Only one can be collecting at a time"), although libtorch's grad mode,
 * the only state collecting needs, is per thread. Closing restores the thread's grad mode.
 */
public final class ThreadGradients implements GradientCollector {

    private final boolean wasRecording;

    /** Starts recording on this thread. */
    public ThreadGradients() {
        wasRecording = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /**
     * Back-propagates {@code target} (a scalar, or seeded with ones) into the leaves' gradients.
     */
    @Override
    public void backward(NDArray target) {
        NDArray seed = target.getManager().ones(target.getShape(), target.getDataType());
        JniUtils.backward((PtNDArray) target, (PtNDArray) seed, false, false);
    }

    /** Not used: the trainable model zeroes its own parameters' gradients. */
    @Override
    public void zeroGradients() {
        throw new UnsupportedOperationException("zero the model's gradients instead");
    }

    @Override
    public void close() {
        JniUtils.setGradMode(wasRecording);
    }
}
