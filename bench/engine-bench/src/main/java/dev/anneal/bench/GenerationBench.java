package dev.anneal.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Generation speed with the KV cache: tokens/s of greedy decoding on stories260K, the engine (DJL
 * with libtorch 2.7.1) beside a plain PyTorch implementation of the same model and loop ({@code
 * python/generate_reference.py}, Debian's torch 1.13 with OpenBLAS), at the same thread counts.
 *
 * <p>Each timed run generates {@code --new-tokens} tokens from the prompt (one pass over the
 * prompt, then one pass per token; no EOS stop), timed from the allocation of the cache to the last
 * token. DJL and PyTorch runs alternate so that the machine's varying load hits both alike. Both
 * sides warm up first: the JVM with {@code --warmup} generations per thread count (its JIT needs
 * about ten of 200 tokens to reach steady speed here), each PyTorch process with {@code
 * --reference-warmup} before it times. The table gives medians, every run, and whether both
 * produced the same ids.
 *
 * <p>Run from the repository root (or use {@code bench/engine-bench/run.sh}):
 *
 * <pre>
 * ./mvnw -B -q -pl bench/engine-bench -am package -DskipTests
 * java -cp bench/engine-bench/target/anneal-engine-bench.jar dev.anneal.bench.GenerationBench \
 *     [--runs 5] [--new-tokens 200] [--threads 1,2] [--warmup 15]
 * </pre>
 *
 * Needs {@code apt-get install -y python3-torch python3-numpy libopenblas0-openmp}.
 */
public final class GenerationBench {

    private GenerationBench() {}

    /**
     * Runs the benchmark and prints its table.
     *
     * @param args {@code --model DIR --prompt TEXT --new-tokens N --runs R --warmup W
     *     --reference-warmup W --threads 1,2 --python PATH --script PATH}
     */
    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.of(
                                "--model", "tuner/engine/models/stories260K",
                                "--prompt", "Once upon a time",
                                "--new-tokens", "200",
                                "--runs", "5",
                                "--warmup", "15",
                                "--reference-warmup", "3",
                                "--threads", "1,2",
                                "--python", "/usr/bin/python3",
                                "--script", "bench/engine-bench/python/generate_reference.py"));
        DjlRuntime.offlineByDefault();
        int newTokens = options.integer("--new-tokens");
        int runs = options.integer("--runs");
        int warmup = options.integer("--warmup");
        int referenceWarmup = options.integer("--reference-warmup");
        PyTorchReference pytorch =
                new PyTorchReference(
                        options.path("--python"),
                        options.path("--script"),
                        options.path("--model"));
        String loadBefore = Machine.loadAverage();
        List<String> rows = new ArrayList<>();
        String[] torchVersion = {"?"};
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(options.path("--model"))) {
            LlamaForCausalLM model = HfModelLoader.load(options.path("--model"), manager);
            Generator generator = new Generator(model, tokenizer);
            long[] promptIds = tokenizer.encode(options.string("--prompt"));
            GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(newTokens).build();
            for (int threads : options.integers("--threads")) {
                JniUtils.setNumThreads(threads);
                for (int i = 0; i < warmup; i++) {
                    generator.generate(promptIds, config);
                }
                long[][] engineIds = {null};
                boolean[] sameIds = {true};
                Map<String, AlternatingRuns.Side> sides = new LinkedHashMap<>();
                sides.put(
                        "DJL",
                        () -> {
                            long start = System.nanoTime();
                            engineIds[0] = generator.generate(promptIds, config).generatedIds();
                            return newTokens / ((System.nanoTime() - start) / 1e9);
                        });
                sides.put(
                        "PyTorch",
                        () -> {
                            PyTorchReference.Speed reference =
                                    pytorch.speed(promptIds, newTokens, threads, referenceWarmup);
                            torchVersion[0] = reference.torchVersion();
                            sameIds[0] &= Arrays.equals(engineIds[0], reference.ids());
                            return reference.tokensPerSecond();
                        });
                AlternatingRuns measured =
                        AlternatingRuns.run(runs, "threads " + threads, "tokens/s", sides);
                double djlMedian = measured.median("DJL");
                double torchMedian = measured.median("PyTorch");
                rows.add(
                        String.format(
                                Locale.ROOT,
                                "| %d | %,.0f | %,.0f | %.2f | %s | %s | %s |",
                                threads,
                                djlMedian,
                                torchMedian,
                                djlMedian / torchMedian,
                                measured.spread("DJL", 0),
                                measured.spread("PyTorch", 0),
                                sameIds[0] ? "yes" : "NO"));
            }
        }
        System.out.printf(
                Locale.ROOT,
                "### Generation with the KV cache: stories260K, greedy, %d new tokens after"
                        + " \"%s\" (tokens/s, medians of %d alternating runs)%n%n",
                newTokens,
                options.string("--prompt"),
                runs);
        System.out.println(
                "| threads | DJL 0.36 (libtorch 2.7.1) | PyTorch "
                        + torchVersion[0]
                        + " (reference) | DJL / PyTorch | DJL runs | PyTorch runs | same ids |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
        System.out.printf(
                "%nMachine: %s; load average (1, 5, 15 min) %s before, %s after.%n",
                Machine.cpu(), loadBefore, Machine.loadAverage());
    }
}
