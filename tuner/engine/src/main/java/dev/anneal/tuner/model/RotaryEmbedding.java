package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/**
 * Rotary position embeddings (<a href="https://arxiv.org/abs/2104.09864">Su et al., 2021</a>) in
 * the Hugging Face "rotate-half" layout: the first half of each head is paired with the second
 * half, not neighbours with neighbours as in the original paper and in llama2.c.
 *
 * <p>{@code rope(x) = x * cos + rotateHalf(x) * sin} with {@code rotateHalf(x) = [-x2, x1]}.
 * Written as {@code x * cos + [x2, x1] * [-sin, sin]} so that the sign lives in a precomputed table
 * instead of an extra negation per call.
 *
 * <p>The tables {@code [max_position_embeddings, head_dim]} are computed once, in the manager given
 * at construction, and only ever used as the second operand of an operation, so every result
 * belongs to the caller's (per-step) manager. Not a {@code Block}: it has no parameters.
 */
public final class RotaryEmbedding {

    /**
     * The rotation of the positions of one forward pass, computed once and shared by every layer.
     *
     * @param cos {@code [seq, head_dim]} for a run of consecutive positions, or {@code [batch, 1,
     *     seq, head_dim]} for per-token positions
     * @param sin same shape as {@code cos}, the first half negated
     */
    public record Angles(NDArray cos, NDArray sin) {}

    private final int headDim;
    private final int maxPositions;
    private final NDArray cos;
    private final NDArray signedSin;

    /**
     * Precomputes the tables.
     *
     * @param config the model's configuration ({@code head_dim}, {@code rope_theta}, {@code
     *     rope_scaling}, {@code max_position_embeddings})
     * @param constants the manager that owns the tables for the model's whole life
     */
    public RotaryEmbedding(LlamaConfig config, NDManager constants) {
        this.headDim = config.headDim();
        this.maxPositions = config.maxPositionEmbeddings();
        float[] inverseFrequencies = inverseFrequencies(config);
        int half = headDim / 2;
        float[] cosTable = new float[maxPositions * headDim];
        float[] sinTable = new float[maxPositions * headDim];
        for (int position = 0; position < maxPositions; position++) {
            int row = position * headDim;
            for (int i = 0; i < half; i++) {
                float angle = position * inverseFrequencies[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cosTable[row + i] = c;
                cosTable[row + half + i] = c;
                sinTable[row + i] = -s;
                sinTable[row + half + i] = s;
            }
        }
        Shape shape = new Shape(maxPositions, headDim);
        this.cos = constants.create(cosTable, shape);
        this.signedSin = constants.create(sinTable, shape);
    }

    /**
     * Slices the tables for positions {@code [start, start + length)}.
     *
     * @param manager the manager of the current step, which will own the slices
     * @param start the first position
     * @param length the number of positions
     * @return the angles, each {@code [length, head_dim]}
     */
    public Angles angles(NDManager manager, long start, long length) {
        if (start < 0 || start + length > maxPositions) {
            throw new IllegalArgumentException(
                    "Positions ["
                            + start
                            + ", "
                            + (start + length)
                            + ") exceed max_position_embeddings "
                            + maxPositions);
        }
        NDIndex rows = new NDIndex("{}:{}", start, start + length);
        return new Angles(cos.get(manager, rows), signedSin.get(manager, rows));
    }

    /**
     * Looks up the tables for per-token positions, such as those of packed examples whose positions
     * restart at 0.
     *
     * @param positionIds {@code [batch, seq]} int64, each below {@code max_position_embeddings};
     *     the result belongs to its manager
     * @return the angles, each {@code [batch, 1, seq, head_dim]} (broadcast over heads)
     */
    public Angles angles(NDArray positionIds) {
        return new Angles(lookUp(positionIds, cos), lookUp(positionIds, signedSin));
    }

    private static NDArray lookUp(NDArray positionIds, NDArray table) {
        return positionIds
                .getNDArrayInternal()
                .embedding(positionIds, table, SparseFormat.DENSE)
                .singletonOrThrow()
                .expandDims(1);
    }

    /**
     * Rotates queries or keys.
     *
     * @param x {@code [batch, heads, seq, head_dim]}
     * @param angles the angles of the {@code seq} positions, {@code [seq, head_dim]} or {@code
     *     [batch, 1, seq, head_dim]}
     * @return {@code [batch, heads, seq, head_dim]}
     */
    public static NDArray rotate(NDArray x, Angles angles) {
        NDList halves = x.split(2, 3);
        NDArray swapped = halves.get(1).concat(halves.get(0), 3);
        return x.mul(angles.cos()).add(swapped.mul(angles.sin()));
    }

    private static float[] inverseFrequencies(LlamaConfig config) {
        int half = config.headDim() / 2;
        LlamaConfig.RopeScaling scaling = config.ropeScaling();
        float[] frequencies = new float[half];
        for (int i = 0; i < half; i++) {
            double frequency = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / config.headDim());
            frequencies[i] = (float) scaled(frequency, scaling);
        }
        return frequencies;
    }

    /** Rescales one frequency as {@code transformers}' rope initialisation functions do. */
    private static double scaled(double frequency, LlamaConfig.RopeScaling scaling) {
        switch (scaling.type()) {
            case "linear":
                return frequency / scaling.factor();
            case "llama3":
                double context = scaling.originalMaxPositionEmbeddings();
                double lowFrequencyWavelength = context / scaling.lowFreqFactor();
                double highFrequencyWavelength = context / scaling.highFreqFactor();
                double wavelength = 2 * Math.PI / frequency;
                if (wavelength < highFrequencyWavelength) {
                    return frequency;
                }
                if (wavelength > lowFrequencyWavelength) {
                    return frequency / scaling.factor();
                }
                double smooth =
                        (context / wavelength - scaling.lowFreqFactor())
                                / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                return (1 - smooth) * frequency / scaling.factor() + smooth * frequency;
            default:
                return frequency;
        }
    }
}
