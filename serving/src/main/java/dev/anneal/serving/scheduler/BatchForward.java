package dev.anneal.serving.scheduler;

import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * The forward pass of one scheduler iteration over every running sequence ({@link BatchedForward}:
 * the base projections once for all decoding rows, each row its own adapter's low-rank update, as
 * in Punica and S-LoRA).
 *
 * <p>Called on the scheduler's engine thread only.
 */
@FunctionalInterface
public interface BatchForward {

    /**
     * Runs the rows' new tokens through their models.
     *
     * @param rows the sequences of this iteration, each with its own cache and model view
     * @param manager a manager for the iteration's temporaries; results must be copied to Java
     * @return per row, in order, the logits of its last new position, {@code [vocab]}
     */
    List<float[]> forward(List<ForwardRow> rows, NDManager manager);
}
