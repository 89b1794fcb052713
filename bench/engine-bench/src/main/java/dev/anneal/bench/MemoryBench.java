package dev.anneal.bench;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resident memory over many engine steps: the process's RSS ({@code VmRSS} of {@code
 * /proc/self/status}) sampled every {@code --every} steps, beside the same measurement of the
 * PyTorch reference doing the same work. Native memory that a step forgets to free (an NDArray left
 * attached to a long-lived manager) shows as RSS growing step after step while the Java heap stays
 * flat; a healthy run levels off after warm-up. The JVM's heap after a collection is shown too, to
 * tell a Java leak from a native one.
 *
 * <p>Workloads: {@code generation} (a step is one greedy request of {@code --new-tokens} tokens
 * with the KV cache); {@code training} (a step is one LoRA SFT optimizer step of the recipe engine,
 * see {@link TrainingWorkload}; no PyTorch column).
 *
 * <p>The heap must not resize (see {@link #fixedHeap}). Run from the repository root (or use {@code
 * bench/engine-bench/run.sh}):
 *
 * <pre>
 * ./mvnw -B -q -pl bench/engine-bench -am package -DskipTests
 * java -Xms64m -Xmx64m -XX:+AlwaysPreTouch \
 *     -cp bench/engine-bench/target/anneal-engine-bench.jar dev.anneal.bench.MemoryBench \
 *     [--workload generation|training] [--steps 2000] [--every 200] [--new-tokens 32] [--threads 2]
 * </pre>
 */
public final class MemoryBench {

    /** Growth over the second half of the run, as a share of the memory, still called flat. */
    private static final double FLAT_TOLERANCE = 0.02;

    private MemoryBench() {}

    /**
     * Runs the benchmark and prints its table.
     *
     * @param args {@code --workload generation|training --model DIR --prompt TEXT --steps N --every
     *     K --new-tokens T --threads N --reference yes|no --python PATH --script PATH}
     */
    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.ofEntries(
                                Map.entry("--workload", "generation"),
                                Map.entry("--model", "tuner/engine/models/stories260K"),
                                Map.entry("--prompt", "Once upon a time"),
                                Map.entry("--steps", "2000"),
                                Map.entry("--every", "200"),
                                Map.entry("--new-tokens", "32"),
                                Map.entry("--threads", "2"),
                                Map.entry("--reference", "yes"),
                                Map.entry("--python", "/usr/bin/python3"),
                                Map.entry(
                                        "--script",
                                        "bench/engine-bench/python/generate_reference.py")));
        DjlRuntime.offlineByDefault();
        int steps = options.integer("--steps");
        int every = options.integer("--every");
        int threads = options.integer("--threads");
        Path model = options.path("--model");
        long[] promptIds;
        try (TextTokenizer tokenizer = TextTokenizer.load(model)) {
            promptIds = tokenizer.encode(options.string("--prompt"));
        }
        String loadBefore = Machine.loadAverage();

        List<long[]> djl = new ArrayList<>();
        String description;
        long start = System.nanoTime();
        try (Workload workload = workload(options, promptIds)) {
            Engine.getInstance(); // loads libtorch before its threads are set
            JniUtils.setNumThreads(threads);
            description = workload.describe();
            djl.add(sample(0));
            workload.run(
                    steps,
                    step -> {
                        if (step % every == 0) {
                            djl.add(sample(step));
                            System.err.printf(
                                    Locale.ROOT,
                                    "step %d: RSS %d MiB%n",
                                    step,
                                    djl.get(djl.size() - 1)[1] / 1024);
                        }
                    });
        }
        double djlSeconds = (System.nanoTime() - start) / 1e9;
        List<long[]> torch =
                options.string("--reference").equals("yes")
                                && options.string("--workload").equals("generation")
                        ? new PyTorchReference(
                                        options.path("--python"), options.path("--script"), model)
                                .residentMemory(
                                        promptIds,
                                        options.integer("--new-tokens"),
                                        threads,
                                        steps,
                                        every)
                        : List.of();

        System.out.printf(
                Locale.ROOT,
                "### Resident memory over %d steps of %s (stories260K, %d threads; MiB)%n%n",
                steps,
                description,
                threads);
        System.out.println(
                "| step | DJL RSS | DJL Δ since step 0 | DJL Java heap used after GC / committed"
                        + " | PyTorch RSS (reference) | PyTorch Δ since step 0 |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        for (int i = 0; i < djl.size(); i++) {
            long[] d = djl.get(i);
            String reference =
                    i < torch.size()
                            ? String.format(
                                    Locale.ROOT,
                                    "%.1f | %+.1f",
                                    mib(torch.get(i)[1]),
                                    mib(torch.get(i)[1] - torch.get(0)[1]))
                            : "– | –";
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %.1f | %+.1f | %.1f / %.1f | %s |%n",
                    d[0],
                    mib(d[1]),
                    mib(d[1] - djl.get(0)[1]),
                    mib(d[2]),
                    mib(d[3]),
                    reference);
        }
        System.out.println();
        System.out.println("DJL: " + verdict(djl));
        if (!torch.isEmpty()) {
            System.out.println("PyTorch: " + verdict(torch));
        }
        if (!fixedHeap()) {
            System.out.println(
                    "Warning: the Java heap may resize, which moves RSS by up to 150 MiB here;"
                            + " run with -Xms64m -Xmx64m -XX:+AlwaysPreTouch.");
        }
        System.out.printf(
                Locale.ROOT,
                "DJL run: %.0f s. Machine: %s; load average (1, 5, 15 min) %s before, %s after.%n",
                djlSeconds,
                Machine.cpu(),
                loadBefore,
                Machine.loadAverage());
    }

    /**
     * The workload whose steps are sampled: {@link GenerationWorkload} or {@link TrainingWorkload}
     * (one LoRA SFT run of {@code --steps} optimizer steps through the recipe engine, sampled from
     * its listener). The PyTorch reference column stays empty for training until the training
     * benchmark's PyTorch loop can report RSS the same way ({@code generate_reference.py
     * --memory-steps} shows how). If the trainer needs more than 64 MiB of heap, raise {@code -Xms}
     * and {@code -Xmx} together.
     */
    private static Workload workload(BenchArguments options, long[] promptIds) throws Exception {
        switch (options.string("--workload")) {
            case "generation":
                return new GenerationWorkload(
                        options.path("--model"), promptIds, options.integer("--new-tokens"));
            case "training":
                return new TrainingWorkload(options.path("--model"));
            default:
                throw new IllegalArgumentException(
                        "--workload must be generation or training, got "
                                + options.string("--workload"));
        }
    }

    /**
     * Whether the heap is pre-touched at a fixed size, so that RSS changes are native memory: G1
     * otherwise grows the heap between collections and shrinks it at the forced ones, and RSS
     * swings by 100–150 MiB with no leak at all (measured here, confirmed with native memory
     * tracking).
     */
    private static boolean fixedHeap() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getInit() == heap.getMax()
                && ManagementFactory.getRuntimeMXBean()
                        .getInputArguments()
                        .contains("-XX:+AlwaysPreTouch");
    }

    /**
     * {@code [step, RSS KiB, heap used after a collection KiB, heap committed KiB]}, the RSS read
     * after the collection.
     */
    private static long[] sample(int step) {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        long usedKib = (runtime.totalMemory() - runtime.freeMemory()) / 1024;
        return new long[] {step, Machine.residentKib(), usedKib, runtime.totalMemory() / 1024};
    }

    /**
     * Whether memory still grows over the second half of the run, when warm-up is long over: the
     * least-squares slope of those samples, and the growth it adds up to over that half.
     *
     * @param samples {@code [step, KiB]}
     */
    private static String verdict(List<long[]> samples) {
        List<long[]> half = samples.subList(samples.size() / 2, samples.size());
        double meanStep = half.stream().mapToLong(s -> s[0]).average().orElseThrow();
        double meanKib = half.stream().mapToLong(s -> s[1]).average().orElseThrow();
        double covariance = 0;
        double variance = 0;
        for (long[] sample : half) {
            covariance += (sample[0] - meanStep) * (sample[1] - meanKib);
            variance += (sample[0] - meanStep) * (sample[0] - meanStep);
        }
        double perStep = variance == 0 ? 0 : covariance / variance;
        long span = half.get(half.size() - 1)[0] - half.get(0)[0];
        double growthKib = perStep * span;
        boolean flat = growthKib <= FLAT_TOLERANCE * meanKib;
        return String.format(
                Locale.ROOT,
                "%+.2f KiB/step from step %d to step %d, %+.1f MiB over those steps: %s",
                perStep,
                half.get(0)[0],
                half.get(half.size() - 1)[0],
                mib(Math.round(growthKib)),
                flat ? "flat (within 2%)" : "GROWING: a leak?");
    }

    private static double mib(long kib) {
        return kib / 1024.0;
    }
}
