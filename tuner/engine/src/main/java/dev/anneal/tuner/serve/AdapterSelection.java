package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;

/**
 * A parameter store that also says which adapters a forward pass applies: the same for the whole
 * pass, or per run of consecutive rows (a batch mixing adapters, as Punica's segmented products
 * do). A row may apply several adapters at once (a stack), their updates added. The model passes
 * its store to every projection, so the choice reaches each {@link MultiLoraLinear} through the
 * call itself instead of through state shared between requests.
 *
 * <p>Base parameters are served as they are ({@code copy = false}): the arrays handed out are the
 * model's own.
 */
final class AdapterSelection extends ParameterStore {

    private final List<Segment> segments;

    /**
     * Rows {@code [start, end)} of a batch and the adapters they apply.
     *
     * @param adapters bottom first; empty for the plain base model
     */
    record Segment(int start, int end, List<LoadedAdapter> adapters) {}

    /**
     * A store applying the same adapters to every row.
     *
     * @param manager the manager the store would copy into; nothing is copied
     * @param adapters the adapters to apply, bottom first; empty for the plain base model
     */
    static AdapterSelection forAllRows(NDManager manager, List<LoadedAdapter> adapters) {
        return new AdapterSelection(manager, List.of(new Segment(0, -1, adapters)));
    }

    /**
     * A store applying each segment's adapter to its rows.
     *
     * @param manager the manager the store would copy into; nothing is copied
     * @param segments consecutive runs covering the batch's rows in order
     */
    AdapterSelection(NDManager manager, List<Segment> segments) {
        super(manager, false);
        this.segments = List.copyOf(segments);
    }

    /**
     * The adapters' update of one projection's output.
     *
     * @param modulePath the projection's Hugging Face module path
     * @param x the projection's input {@code [rows, ..., in]}
     * @param outFeatures the projection's output width
     * @return {@code [rows, ..., out]}, or {@code null} when no selected adapter targets it
     */
    NDArray update(String modulePath, NDArray x, long outFeatures) {
        if (segments.size() == 1 && segments.get(0).end() < 0) {
            return update(segments.get(0).adapters(), modulePath, x);
        }
        NDArray batched = batchedUpdate(modulePath, x);
        if (batched != null) {
            return batched;
        }
        NDList parts = new NDList(segments.size());
        boolean any = false;
        for (Segment segment : segments) {
            NDArray rows = x.get(new NDIndex("{}:{}", segment.start(), segment.end()));
            NDArray update = update(segment.adapters(), modulePath, rows);
            if (update == null) {
                long[] shape = rows.getShape().getShape();
                shape[shape.length - 1] = outFeatures;
                parts.add(rows.getManager().zeros(new Shape(shape), rows.getDataType()));
            } else {
                parts.add(update);
                any = true;
            }
        }
        return any ? NDArrays.concat(parts, 0) : null;
    }

    /**
     * The update of rows of several adapters in one pass, as Punica's BGMV does: each row's {@code
     * A} and {@code B} stacked into {@code [rows, r, in]} and {@code [rows, out, r]}, two batched
     * products, a per-row scale ({@code alpha / r}, or 0 for a row whose adapter does not target
     * the projection). A handful of native calls whatever the number of adapters, where one product
     * per adapter would take a handful each.
     *
     * @param x {@code [rows, seq, in]}
     * @return {@code [rows, seq, out]}, or {@code null} when the segments do not fit this form (a
     *     row with a stack of adapters, ranks that differ) or no adapter targets the projection
     */
    private NDArray batchedUpdate(String modulePath, NDArray x) {
        if (x.getShape().dimension() < 3) {
            return null;
        }
        LoraWeights any = null;
        for (Segment segment : segments) {
            if (segment.adapters().size() > 1) {
                return null;
            }
            LoraWeights lora = weightsOf(segment, modulePath);
            if (lora != null) {
                if (any != null && lora.rank() != any.rank()) {
                    return null;
                }
                any = lora;
            }
        }
        if (any == null) {
            return null;
        }
        int rows = (int) x.getShape().get(0);
        NDList as = new NDList(rows);
        NDList bs = new NDList(rows);
        float[] scales = new float[rows];
        for (Segment segment : segments) {
            LoraWeights lora = weightsOf(segment, modulePath);
            LoraWeights used = lora == null ? any : lora;
            for (int row = segment.start(); row < segment.end(); row++) {
                as.add(used.a());
                bs.add(used.b());
                scales[row] = lora == null ? 0 : lora.scale();
            }
        }
        long[] scaleShape = new long[x.getShape().dimension()];
        Arrays.fill(scaleShape, 1);
        scaleShape[0] = rows;
        NDManager manager = x.getManager();
        NDArray a = NDArrays.stack(as);
        NDArray b = NDArrays.stack(bs);
        NDArray scale = manager.create(scales, new Shape(scaleShape));
        return x.matMul(a.transpose(0, 2, 1)).mul(scale).matMul(b.transpose(0, 2, 1));
    }

    private static LoraWeights weightsOf(Segment segment, String modulePath) {
        return segment.adapters().isEmpty() ? null : segment.adapters().get(0).weights(modulePath);
    }

    /** The sum of the adapters' updates of one projection, or {@code null} if none targets it. */
    private static NDArray update(List<LoadedAdapter> adapters, String modulePath, NDArray x) {
        NDArray sum = null;
        for (LoadedAdapter adapter : adapters) {
            LoraWeights lora = adapter.weights(modulePath);
            if (lora != null) {
                NDArray update = lora.update(x);
                sum = sum == null ? update : sum.add(update);
            }
        }
        return sum;
    }
}
