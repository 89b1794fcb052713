package dev.anneal.tuner;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;

/** Comparisons of the engine's tensors with the PyTorch references under {@code fixtures/}. */
public final class ReferenceAssertions {

    private ReferenceAssertions() {}

    /**
     * Asserts that every element of a tensor lies within {@code tolerance * max|reference|} of its
     * reference: a relative error per tensor, so that tiny elements are judged at the tensor's
     * scale.
     *
     * @param name the tensor's name, for messages
     * @param actual the engine's tensor
     * @param expected the reference, same shape
     * @param tolerance the relative tolerance
     * @return the tensor's relative error, {@code max|actual - expected| / max|expected|}
     */
    public static double assertCloseToReference(
            String name, NDArray actual, NDArray expected, double tolerance) {
        assertThat(actual.getShape()).as(name).isEqualTo(expected.getShape());
        float[] got = actual.toFloatArray();
        float[] want = expected.toFloatArray();
        double scale = 0;
        for (float value : want) {
            scale = Math.max(scale, Math.abs(value));
        }
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
        }
        assertThat(worst / scale)
                .as("%s: max |grad - reference| / max |reference|", name)
                .isLessThanOrEqualTo(tolerance);
        return worst / scale;
    }
}
