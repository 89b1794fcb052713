package dev.anneal.serving.scheduler;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.KvCache;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.serve.AdapterView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The forward pass of an iteration: the rows decoding one token run as one batch (the base
 * projections once for all rows, each row adding its own adapter's low-rank update: {@link
 * AdapterView#decodeStep}); a row feeding a prefill chunk runs alone through the same {@link
 * Generator#lastLogits} as {@code anneal generate}, its chunk being a batch of its own. A lone
 * decoding row also runs that way, so that one stream computes exactly what {@code anneal generate}
 * computes.
 */
public final class BatchedForward implements BatchForward {

    @Override
    public List<float[]> forward(List<ForwardRow> rows, NDManager manager) {
        float[][] logits = new float[rows.size()][];
        List<Integer> decoding = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            ForwardRow row = rows.get(i);
            if (row.tokens().length == 1 && batchable(row.model())) {
                decoding.add(i);
            } else {
                logits[i] = alone(row, manager);
            }
        }
        if (decoding.size() == 1) {
            int i = decoding.get(0);
            logits[i] = alone(rows.get(i), manager);
        } else if (!decoding.isEmpty()) {
            List<float[]> together = decode(rows, decoding, manager);
            for (int j = 0; j < decoding.size(); j++) {
                logits[decoding.get(j)] = together.get(j);
            }
        }
        return List.of(logits);
    }

    /**
     * Adapter views (of one scheduler's base model) batch with each other; a plain model, a full
     * fine-tune's, batches with itself.
     */
    private static boolean batchable(CausalLm model) {
        return model instanceof AdapterView || model instanceof LlamaForCausalLM;
    }

    private static float[] alone(ForwardRow row, NDManager manager) {
        return Generator.lastLogits(row.model(), row.cache(), row.tokens(), manager);
    }

    private static List<float[]> decode(
            List<ForwardRow> rows, List<Integer> decoding, NDManager manager) {
        long[] tokens = new long[decoding.size()];
        List<KvCache> caches = new ArrayList<>(decoding.size());
        List<AdapterView> views = new ArrayList<>(decoding.size());
        CausalLm first = rows.get(decoding.get(0)).model();
        for (int j = 0; j < decoding.size(); j++) {
            ForwardRow row = rows.get(decoding.get(j));
            tokens[j] = row.tokens()[0];
            caches.add(row.cache());
            if (row.model() instanceof AdapterView view) {
                views.add(view);
            } else if (row.model() != first) {
                throw new IllegalStateException("One scheduler serves one model");
            }
        }
        try (NDManager step = manager.newSubManager()) {
            if (views.size() == decoding.size()) {
                return AdapterView.decodeStep(views, tokens, caches, step);
            }
            if (!views.isEmpty()) {
                throw new IllegalStateException("One scheduler serves one model");
            }
            float[] all =
                    ((LlamaForCausalLM) first)
                            .lastLogitsOfRows(
                                    step.create(tokens, new Shape(tokens.length, 1)), caches)
                            .toFloatArray();
            int vocab = all.length / tokens.length;
            List<float[]> byRow = new ArrayList<>(tokens.length);
            for (int j = 0; j < tokens.length; j++) {
                byRow.add(Arrays.copyOfRange(all, j * vocab, (j + 1) * vocab));
            }
            return byRow;
        }
    }
}
