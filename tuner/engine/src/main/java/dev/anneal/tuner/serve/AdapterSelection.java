package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

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

    /** The masks of this step's mixed updates, by the adapters and ranks of their columns. */
    private final Map<List<Object>, NDArray> masks = new HashMap<>();

    /**
     * The adapters' update of one projection's output.
     *
     * @param projection the projection
     * @param x the projection's input {@code [rows, ..., in]}
     * @return {@code [rows, ..., out]}, or {@code null} when no selected adapter targets it
     */
    NDArray update(MultiLoraLinear projection, NDArray x) {
        if (segments.size() == 1 && segments.get(0).end() < 0) {
            return update(segments.get(0).adapters(), projection.modulePath(), x);
        }
        return mixedUpdate(projection, x);
    }

    /**
     * The update of rows of several adapters in two products, whatever the number of adapters: the
     * {@code A} of every adapter in the batch that targets the projection side by side ({@code [sum
     * of r, in]}), their {@code B} likewise ({@code [out, sum of r]}), and between the two products
     * a mask that keeps, for each row, the columns of its own adapters, scaled by their {@code
     * alpha / r}. The products of a row with other adapters' columns are wasted, a few
     * multiply-adds per rank and feature, far cheaper on a CPU than a product per adapter. The
     * side-by-side weights are kept by the projection while the batch's adapters stay the same
     * ({@link MultiLoraLinear#sideBySide}); the mask is built once per step for all projections
     * that the same adapters target.
     *
     * @param x {@code [rows, ..., in]}
     * @return {@code [rows, ..., out]}, or {@code null} when no adapter of the batch targets it
     */
    private NDArray mixedUpdate(MultiLoraLinear projection, NDArray x) {
        String modulePath = projection.modulePath();
        // each adapter once, in the order of its columns
        List<LoraWeights> columns = new ArrayList<>();
        List<Object> layout = new ArrayList<>();
        for (Segment segment : segments) {
            for (LoadedAdapter adapter : segment.adapters()) {
                LoraWeights lora = adapter.weights(modulePath);
                if (lora != null && columns.stream().noneMatch(c -> c == lora)) {
                    columns.add(lora);
                    layout.add(adapter);
                    layout.add(lora.rank());
                }
            }
        }
        if (columns.isEmpty()) {
            return null;
        }
        NDArray mask = masks.get(layout);
        if (mask == null) {
            mask = mask(modulePath, columns, x);
            masks.put(layout, mask);
        }
        NDArray[] weights = projection.sideBySide(columns);
        return Linear.linear(Linear.linear(x, weights[0]).head().mul(mask), weights[1]).head();
    }

    /**
     * {@code [rows, 1, ..., sum of r]}: each row's own adapters' columns at their scale, else 0.
     */
    private NDArray mask(String modulePath, List<LoraWeights> columns, NDArray x) {
        int width = 0;
        Map<LoraWeights, Integer> first = new IdentityHashMap<>();
        for (LoraWeights lora : columns) {
            first.put(lora, width);
            width += (int) lora.rank();
        }
        int rows = (int) x.getShape().get(0);
        float[] mask = new float[rows * width];
        for (Segment segment : segments) {
            for (LoadedAdapter adapter : segment.adapters()) {
                LoraWeights lora = adapter.weights(modulePath);
                if (lora == null) {
                    continue;
                }
                int column = first.get(lora);
                for (int row = segment.start(); row < segment.end(); row++) {
                    int at = row * width + column;
                    Arrays.fill(mask, at, at + (int) lora.rank(), lora.scale());
                }
            }
        }
        long[] shape = new long[x.getShape().dimension()];
        Arrays.fill(shape, 1);
        shape[0] = rows;
        shape[shape.length - 1] = width;
        return x.getManager().create(mask, new Shape(shape));
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
