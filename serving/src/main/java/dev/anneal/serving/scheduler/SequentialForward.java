package dev.anneal.serving.scheduler;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.generate.Generator;
import java.util.ArrayList;
import java.util.List;

/**
 * The first {@link BatchForward}: one forward pass per row, through the same {@link
 * Generator#lastLogits} as {@code anneal generate}, so that each row gets bit for bit what it would
 * get alone.
 */
public final class SequentialForward implements BatchForward {

    @Override
    public List<float[]> forward(List<ForwardRow> rows, NDManager manager) {
        List<float[]> logits = new ArrayList<>(rows.size());
        for (ForwardRow row : rows) {
            logits.add(Generator.lastLogits(row.model(), row.cache(), row.tokens(), manager));
        }
        return logits;
    }
}
