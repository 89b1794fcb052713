package dev.anneal.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.recipe.Recipe;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * LoRA training throughput: tokens/s of LoRA pre-training steps through the product's recipe
 * ({@link Recipe#run}: batch loading, forward, masked cross-entropy, backward, global-norm
 * clipping, AdamW, the stability checks) beside the same model and loop in plain PyTorch ({@code
 * python/train_reference.py}, Debian's torch 1.13 with OpenBLAS), at the same thread counts.
 *
 * <p>Two LLaMA sizes ({@link SyntheticModel}: random weights from a fixed seed, vocabulary 1,024,
 * tied head, random tokens): {@code 1m}, 0.98M parameters (hidden 128, 4 layers, 4 heads,
 * intermediate 384, seq 128, batch 8), and {@code 26m}, 25.8M (hidden 512, 8 layers, 8 heads,
 * intermediate 1,376, seq 256, batch 4). LoRA r 8, alpha 16, no dropout (its random numbers would
 * cost both sides alike and dwarf the rest on the small model) on {@code q,k,v,o}; AdamW lr 1e-3,
 * weight decay 0.01; gradients clipped at norm 1; loss on every token.
 *
 * <p>A run is one fresh training run on each side: {@code --warmup} untimed steps, then {@code
 * --steps} timed ones (DJL: wall time between the ends of the first and last timed steps, as the
 * recipe's listener reports them). DJL and PyTorch runs alternate, after one untimed DJL run per
 * size that warms the JVM up (its first run is slower). GFLOP/s counts, per token, {@code 4 N + 12
 * L s d + 6 r sum(in + out)}: forward and input gradient of every matrix product ({@code N}: the
 * elements of the projections and the tied head), the attention products ({@code s} × {@code s}
 * scores per head, forward and backward), and the adapters' forward, input and weight gradients;
 * the frozen weights get no weight gradient.
 *
 * <pre>
 * ./mvnw -B -q -pl bench/engine-bench -am package -DskipTests
 * java -cp bench/engine-bench/target/anneal-engine-bench.jar dev.anneal.bench.TrainingBench \
 *     [--sizes 1m,26m] [--threads 1,2] [--runs 3] [--warmup 3] [--steps-1m 20] [--steps-26m 6]
 * </pre>
 */
public final class TrainingBench {

    /** The peak of a matrix product on the development machine's 2 cores, GFLOP/s. */
    private static final double PEAK_GFLOPS = 190;

    static final int RANK = 8;
    static final List<String> TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj");

    private static final Map<String, SyntheticModel.Size> SIZES =
            Map.of(
                    "1m", new SyntheticModel.Size("1m", 128, 4, 4, 4, 384, 1024, 128, 8),
                    "26m", new SyntheticModel.Size("26m", 512, 8, 8, 8, 1376, 1024, 256, 4));

    private TrainingBench() {}

    /**
     * Runs the benchmark and prints its table.
     *
     * @param args {@code --sizes 1m,26m --threads 1,2 --runs R --warmup W --steps-1m S --steps-26m
     *     S --python PATH --script PATH}
     */
    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.of(
                                "--sizes", "1m,26m",
                                "--threads", "1,2",
                                "--runs", "3",
                                "--warmup", "3",
                                "--steps-1m", "20",
                                "--steps-26m", "6",
                                "--python", "/usr/bin/python3",
                                "--script", "bench/engine-bench/python/train_reference.py"));
        DjlRuntime.offlineByDefault();
        int runs = options.integer("--runs");
        int warmup = options.integer("--warmup");
        String loadBefore = Machine.loadAverage();
        String[] torchVersion = {"?"};
        List<String> rows = new ArrayList<>();
        for (String name : options.string("--sizes").split(",")) {
            SyntheticModel.Size size = SIZES.get(name);
            if (size == null) {
                throw new IllegalArgumentException("--sizes: unknown size " + name);
            }
            int steps = options.integer("--steps-" + name);
            try (SyntheticModel model =
                    new SyntheticModel(size, size.batch() * (warmup + steps), 42)) {
                double flopsPerToken = flopsPerToken(size);
                // the JVM's first run is slower (class loading, JIT): one untimed run per size
                djlTokensPerSecond(
                        model, size, options.integers("--threads").get(0), warmup, steps);
                for (int threads : options.integers("--threads")) {
                    Map<String, AlternatingRuns.Side> sides = new LinkedHashMap<>();
                    sides.put("DJL", () -> djlTokensPerSecond(model, size, threads, warmup, steps));
                    sides.put(
                            "PyTorch",
                            () -> {
                                List<String> arguments = new ArrayList<>(size.referenceArguments());
                                arguments.addAll(
                                        List.of(
                                                "--threads", Integer.toString(threads),
                                                "--warmup", Integer.toString(warmup),
                                                "--steps", Integer.toString(steps),
                                                "--targets", String.join(",", TARGETS),
                                                "--r", Integer.toString(RANK),
                                                "--dropout", "0"));
                                JsonNode reference =
                                        PyTorchReference.run(
                                                options.path("--python"),
                                                options.path("--script"),
                                                threads,
                                                arguments);
                                torchVersion[0] = reference.get("torch").asText();
                                return reference.get("tokens_per_s").get(0).asDouble();
                            });
                    AlternatingRuns measured =
                            AlternatingRuns.run(
                                    runs, name + " threads " + threads, "tokens/s", sides);
                    double djlMedian = measured.median("DJL");
                    double torchMedian = measured.median("PyTorch");
                    rows.add(
                            String.format(
                                    Locale.ROOT,
                                    "| %s | %.2fM | %d | %,.0f | %,.0f | %.2f | %.0f | %.0f | %.0f"
                                            + " | %s | %s |",
                                    name,
                                    model.parameters() / 1e6,
                                    threads,
                                    djlMedian,
                                    torchMedian,
                                    djlMedian / torchMedian,
                                    djlMedian * flopsPerToken / 1e9,
                                    torchMedian * flopsPerToken / 1e9,
                                    PEAK_GFLOPS,
                                    measured.spread("DJL", 0),
                                    measured.spread("PyTorch", 0)));
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "### LoRA training throughput (tokens/s, medians of %d alternating runs of %s"
                        + " timed steps after %d warm-up steps)%n%n",
                runs,
                "1m: " + options.string("--steps-1m") + ", 26m: " + options.string("--steps-26m"),
                warmup);
        System.out.println(
                "| model | params | threads | DJL 0.36 (libtorch 2.7.1) | PyTorch "
                        + torchVersion[0]
                        + " (reference) | DJL / PyTorch | DJL GFLOP/s | PyTorch GFLOP/s | peak"
                        + " GFLOP/s | DJL runs | PyTorch runs |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
        System.out.printf(
                "%nMachine: %s; load average (1, 5, 15 min) %s before, %s after.%n",
                Machine.cpu(), loadBefore, Machine.loadAverage());
    }

    /** One training run through the recipe; the tokens/s of its timed steps. */
    private static double djlTokensPerSecond(
            SyntheticModel model, SyntheticModel.Size size, int threads, int warmup, int steps)
            throws IOException {
        JniUtils.setNumThreads(threads);
        TrainingConfig config =
                TrainingConfig.parse(
                        recipe(
                                model,
                                size,
                                warmup + steps,
                                Files.createTempDirectory(model.dir(), "run")));
        long[] timedFrom = new long[1];
        long[] timedTo = new long[1];
        long[] tokens = new long[1];
        Recipe.of(config)
                .run(
                        event -> {
                            if (event instanceof TrainingEvent.StepMetrics metrics) {
                                long now = System.nanoTime();
                                if (metrics.step() == warmup) {
                                    timedFrom[0] = now;
                                } else if (metrics.step() > warmup) {
                                    timedTo[0] = now;
                                    tokens[0] += metrics.tokens();
                                }
                            } else if (event instanceof TrainingEvent.StepSkipped
                                    || event instanceof TrainingEvent.RolledBack) {
                                throw new IllegalStateException("a timed run must not skip steps");
                            }
                        });
        long expected = (long) steps * size.batch() * size.seq();
        if (tokens[0] != expected) {
            throw new IllegalStateException(
                    "timed " + tokens[0] + " positions, expected " + expected);
        }
        return tokens[0] / ((timedTo[0] - timedFrom[0]) / 1e9);
    }

    /** LoRA pre-training on the synthetic data: every token counts, one row per example. */
    private static String recipe(
            SyntheticModel model, SyntheticModel.Size size, int maxSteps, Path outputDir) {
        return String.join(
                "\n",
                "method: pretrain",
                "model: '" + model.dir() + "'",
                "output_dir: '" + outputDir + "'",
                "seed: 42",
                "data:",
                "  train: '" + model.trainFile() + "'",
                "  format: text",
                "  max_seq_length: " + size.seq(),
                "  packing: false",
                loraTraining(maxSteps, size.batch()));
    }

    /**
     * The recipe's part both LoRA benchmarks share (this one and {@link PackingBench}): LoRA r
     * {@value #RANK} on {@link #TARGETS}, AdamW at a constant 1e-3, clipping at 1, {@code maxSteps}
     * steps of {@code batch} rows, no evaluation, checkpoints or snapshots.
     */
    static String loraTraining(int maxSteps, int batch) {
        return String.join(
                "\n",
                "lora:",
                "  r: " + RANK,
                "  alpha: 16",
                "  dropout: 0.0",
                "  target_modules: [" + String.join(", ", TARGETS) + "]",
                "optimizer:",
                "  lr: 1.0e-3",
                "  weight_decay: 0.01",
                "  max_grad_norm: 1.0",
                "schedule:",
                "  type: constant",
                "  warmup_steps: 0",
                "training:",
                "  max_steps: " + maxSteps,
                "  batch_size: " + batch,
                "  gradient_accumulation_steps: 1",
                "  eval_every: 0",
                "  checkpoint_every: 0",
                "stability:",
                "  snapshot_every: " + (maxSteps + 1),
                "");
    }

    /**
     * Floating-point operations per trained token: {@code 4 N + 12 L s d + 6 r sum(in + out)} (see
     * the class comment).
     */
    static double flopsPerToken(SyntheticModel.Size size) {
        long d = size.hidden();
        long kv = (long) size.kvHeads() * (d / size.heads());
        long projections = d * d * 2 + d * kv * 2 + 3 * d * size.intermediate();
        long matrixElements = size.layers() * projections + (long) size.vocab() * d;
        long attention = 12L * size.layers() * size.seq() * d;
        long adapterWidths = (d + d) * 2 + (d + kv) * 2;
        long adapters = 6L * RANK * adapterWidths * size.layers();
        return 4.0 * matrixElements + attention + adapters;
    }
}
