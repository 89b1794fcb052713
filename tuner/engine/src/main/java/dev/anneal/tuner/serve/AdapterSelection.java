package dev.anneal.tuner.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * A parameter store that also says which adapter a forward pass applies: one for the whole pass, or
 * one per run of consecutive rows (a batch mixing adapters, as Punica's segmented products do). The
 * model passes its store to every projection, so the choice reaches each {@link MultiLoraLinear}
 * through the call itself instead of through state shared between requests.
 *
 * <p>Base parameters are served as they are ({@code copy = false}): the arrays handed out are the
 * model's own.
 */
final class AdapterSelection extends ParameterStore {

    private final List<Segment> segments;

    /**
     * Rows {@code [start, end)} of a batch and the adapter they apply.
     *
     * @param adapter the adapter, or {@code null} for the plain base model
     */
    record Segment(int start, int end, LoadedAdapter adapter) {}

    /**
     * A store applying one adapter to every row.
     *
     * @param manager the manager the store would copy into; nothing is copied
     * @param adapter the adapter to apply, or {@code null} for the plain base model
     */
    AdapterSelection(NDManager manager, LoadedAdapter adapter) {
        this(manager, List.of(new Segment(0, -1, adapter)));
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
            LoraWeights lora = weights(segments.get(0), modulePath);
            return lora == null ? null : lora.update(x);
        }
        NDList parts = new NDList(segments.size());
        boolean any = false;
        for (Segment segment : segments) {
            NDArray rows = x.get(new NDIndex("{}:{}", segment.start(), segment.end()));
            LoraWeights lora = weights(segment, modulePath);
            if (lora == null) {
                long[] shape = rows.getShape().getShape();
                shape[shape.length - 1] = outFeatures;
                parts.add(rows.getManager().zeros(new Shape(shape), rows.getDataType()));
            } else {
                parts.add(lora.update(rows));
                any = true;
            }
        }
        return any ? NDArrays.concat(parts, 0) : null;
    }

    private static LoraWeights weights(Segment segment, String modulePath) {
        return segment.adapter() == null ? null : segment.adapter().weights(modulePath);
    }
}
