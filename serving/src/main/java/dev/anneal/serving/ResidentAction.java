package dev.anneal.serving;

import java.io.IOException;

/**
 * What to do with a resident model while its cache cannot evict it: typically, queue a sequence on
 * it, so that the sequence counts before the model could go.
 */
@FunctionalInterface
interface ResidentAction<T> {

    /** Acts on the model, under its cache's lock. */
    T apply(ResidentModel model) throws IOException;
}
