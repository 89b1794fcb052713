package dev.anneal.bench.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The machine's memory copy bandwidth, measured as STREAM's Copy does: two arrays far larger than
 * the caches, {@code threads} threads each copying its own slice of one into the other ({@link
 * System#arraycopy}), the best of several repetitions, counting the bytes read and the bytes
 * written. The roofline of decoding divides it by the bytes of weights a token reads.
 */
final class CopyBandwidth {

    private static final int REPETITIONS = 7;

    private CopyBandwidth() {}

    /**
     * Measures it.
     *
     * @param mebibytes the size of each array
     * @param threads threads copying at once
     * @return bytes per second, read and written
     */
    static double measure(int mebibytes, int threads) throws Exception {
        long[] source = new long[mebibytes * (1 << 20) / Long.BYTES];
        long[] target = new long[source.length];
        // touch every page first, so that the first repetition does not time page faults
        Arrays.fill(source, 1);
        Arrays.fill(target, 2);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long best = Long.MAX_VALUE;
            for (int repetition = 0; repetition < REPETITIONS; repetition++) {
                long start = System.nanoTime();
                List<Future<?>> slices = new ArrayList<>(threads);
                for (int t = 0; t < threads; t++) {
                    int from = (int) ((long) source.length * t / threads);
                    int to = (int) ((long) source.length * (t + 1) / threads);
                    slices.add(
                            pool.submit(
                                    () -> System.arraycopy(source, from, target, from, to - from)));
                }
                for (Future<?> slice : slices) {
                    slice.get();
                }
                best = Math.min(best, System.nanoTime() - start);
            }
            return 2.0 * source.length * Long.BYTES / (best / 1e9);
        } finally {
            pool.shutdown();
        }
    }
}
