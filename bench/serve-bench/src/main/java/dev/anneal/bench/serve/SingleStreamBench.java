package dev.anneal.bench.serve;

import ai.djl.ndarray.NDManager;
import dev.anneal.bench.BenchArguments;
import dev.anneal.bench.Machine;
import dev.anneal.bench.PyTorchReference;
import dev.anneal.serving.ServedModel;
import dev.anneal.serving.ServingConfig;
import dev.anneal.serving.ServingEngine;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * One stream, greedy with the KV cache: time to first token and decode tokens/s of {@code
 * stories260K}, a 26M and a 110M-parameter LLaMA ({@link BenchModel}), through the product's
 * serving path ({@link ServingEngine}, timed at its listener) and through the engine's {@link
 * Generator} ({@code anneal generate}), beside the PyTorch reference with a KV cache ({@code
 * bench/engine-bench/python/generate_reference.py}) and beside the memory-bandwidth roofline.
 *
 * <p>Time to first token: from the submission (the generator's call; the reference's cache
 * allocation) to the first new token, the prompt's pass included. Decode tokens/s: the tokens after
 * the first over the time from the first to the last. The generator reports no token before its
 * end, so its figures come from two calls: one of 1 token (its time to first token) and one of
 * {@code --new-tokens} (the difference is the decoding). Serving stops at the model's end of
 * sequence; the generator and the reference generate every token.
 *
 * <p>Roofline: decoding one token reads every weight once ({@link
 * BenchModel#weightBytesPerToken()}, float32, the output head included), so no implementation
 * decodes faster than the memory bandwidth over those bytes. The bandwidth is {@link
 * CopyBandwidth}'s, measured with the same threads at the start and the end of the run; the higher
 * counts.
 *
 * <p>Each model: warm-up generations on the JVM's side for {@code --warmup-seconds} (at least one
 * of each kind), then {@code --runs} rounds of serving, generator and a fresh PyTorch process
 * (which warms up with {@code --reference-warmup} generations), alternating so that the machine's
 * load hits all alike; medians. Each side computes alone, as in its own process: a serving run
 * opens an engine of its own and closes it, the generator runs on a thread of its own that then
 * ends (an idle OpenMP team left beside the measured one slows it down: ADR 0051).
 *
 * <p>Run from the repository root: {@code bench/serve-bench.sh single-stream [--models 26m,110m]
 * [--new-tokens 128] [--runs 3] [--threads 2]}.
 */
public final class SingleStreamBench {

    private SingleStreamBench() {}

    /**
     * Runs the benchmark and prints its table.
     *
     * @param args {@code --models stories260K,26m,110m --new-tokens N --runs R --warmup-seconds S
     *     --reference-warmup W --threads N --bandwidth-mib M --stories260K DIR --python PATH
     *     --script PATH}
     */
    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.ofEntries(
                                Map.entry("--models", String.join(",", BenchModel.NAMES)),
                                Map.entry("--new-tokens", "128"),
                                Map.entry("--runs", "3"),
                                Map.entry("--warmup-seconds", "10"),
                                Map.entry("--reference-warmup", "1"),
                                Map.entry("--threads", "2"),
                                Map.entry("--bandwidth-mib", "256"),
                                Map.entry("--stories260K", "tuner/engine/models/stories260K"),
                                Map.entry("--python", "/usr/bin/python3"),
                                Map.entry(
                                        "--script",
                                        "bench/engine-bench/python/generate_reference.py")));
        DjlRuntime.offlineByDefault();
        // this thread loads and writes models; the threads that compute own the process's teams
        DjlRuntime.useIntraOpThreads(1);
        int threads = options.integer("--threads");
        String loadBefore = Machine.loadAverage();
        double bandwidthBefore = CopyBandwidth.measure(options.integer("--bandwidth-mib"), threads);
        System.err.printf(Locale.ROOT, "copy bandwidth: %.1f GB/s%n", bandwidthBefore / 1e9);
        List<Row> rows = new ArrayList<>();
        for (String name : options.string("--models").split(",")) {
            try (BenchModel model = BenchModel.open(name, options.path("--stories260K"))) {
                rows.add(measure(model, options));
            }
        }
        double bandwidthAfter = CopyBandwidth.measure(options.integer("--bandwidth-mib"), threads);
        double bandwidth = Math.max(bandwidthBefore, bandwidthAfter);
        print(rows, options, bandwidth);
        System.out.printf(
                Locale.ROOT,
                "%nCopy bandwidth (%d threads, %d MiB arrays, read + written): %.1f GB/s before,"
                        + " %.1f GB/s after. Machine: %s; load average (1, 5, 15 min) %s before, %s"
                        + " after.%n",
                threads,
                options.integer("--bandwidth-mib"),
                bandwidthBefore / 1e9,
                bandwidthAfter / 1e9,
                Machine.cpu(),
                loadBefore,
                Machine.loadAverage());
    }

    /**
     * One side's figures of one run.
     *
     * @param firstToken seconds to the first token
     * @param decode tokens/s after the first
     */
    private record Latency(double firstToken, double decode) {}

    /** One model's runs, in order. */
    private record Row(
            BenchModel model,
            List<Latency> serving,
            List<Integer> servingTokens,
            List<Latency> generator,
            List<Latency> torch,
            String torchVersion) {

        double median(List<Latency> runs, ToDoubleFunction<Latency> figure) {
            return Machine.median(runs.stream().map(figure::applyAsDouble).toList());
        }
    }

    private static Row measure(BenchModel model, BenchArguments options) throws Exception {
        int newTokens = options.integer("--new-tokens");
        int threads = options.integer("--threads");
        MemoryModelStore store = new MemoryModelStore(model.name(), model.dir());
        ServingConfig config =
                new ServingConfig(1, 1 << 16, 4, ServingConfig.DEFAULT_PREFILL_CHUNK, threads);
        PyTorchReference pytorch =
                new PyTorchReference(
                        options.path("--python"), options.path("--script"), model.dir());
        List<Latency> serving = new ArrayList<>();
        List<Integer> servingTokens = new ArrayList<>();
        List<Latency> generator = new ArrayList<>();
        List<Latency> torch = new ArrayList<>();
        String torchVersion = "?";
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(model.dir())) {
            Generator loaded = new Generator(HfModelLoader.load(model.dir(), manager), tokenizer);
            long[] promptIds = tokenizer.encode(model.prompt());
            System.err.printf(
                    Locale.ROOT,
                    "%s: %,d parameters, prompt of %d tokens; warming up%n",
                    model.name(),
                    model.parameters(),
                    promptIds.length);
            long warmUntil =
                    System.nanoTime() + options.integer("--warmup-seconds") * 1_000_000_000L;
            try (ServingEngine engine = new ServingEngine(store, config)) {
                ServedModel served = engine.open(MemoryModelStore.TENANT, model.name());
                do {
                    TimedStream.run(served, model.prompt(), newTokens);
                    onOwnThread(threads, () -> timeGenerator(loaded, promptIds, newTokens));
                } while (System.nanoTime() < warmUntil);
            }
            for (int run = 0; run < options.integer("--runs"); run++) {
                // each side alone in the process: the engine thread's team ends with its engine
                TimedStream.Times stream;
                try (ServingEngine engine = new ServingEngine(store, config)) {
                    ServedModel served = engine.open(MemoryModelStore.TENANT, model.name());
                    TimedStream.run(served, model.prompt(), newTokens);
                    stream = TimedStream.run(served, model.prompt(), newTokens);
                }
                serving.add(
                        new Latency(stream.timeToFirstToken(), 1 / stream.timePerOutputToken()));
                servingTokens.add(stream.tokens().length);
                generator.add(
                        onOwnThread(
                                threads,
                                () -> {
                                    timeGenerator(loaded, promptIds, newTokens);
                                    return timeGenerator(loaded, promptIds, newTokens);
                                }));
                PyTorchReference.Speed reference =
                        pytorch.speed(
                                promptIds,
                                newTokens,
                                threads,
                                options.integer("--reference-warmup"));
                torch.add(
                        new Latency(
                                reference.timeToFirstToken(), reference.decodeTokensPerSecond()));
                torchVersion = reference.torchVersion();
                System.err.printf(
                        Locale.ROOT,
                        "%s run %d: first token serving %.1f, generator %.1f, PyTorch %.1f ms;"
                                + " decode serving %.1f (%d tokens), generator %.1f, PyTorch %.1f"
                                + " tokens/s%n",
                        model.name(),
                        run + 1,
                        serving.get(run).firstToken() * 1e3,
                        generator.get(run).firstToken() * 1e3,
                        torch.get(run).firstToken() * 1e3,
                        serving.get(run).decode(),
                        servingTokens.get(run),
                        generator.get(run).decode(),
                        torch.get(run).decode());
            }
        }
        return new Row(model, serving, servingTokens, generator, torch, torchVersion);
    }

    /**
     * Runs {@code body} on a thread of its own with {@code threads} libtorch threads, as {@code
     * anneal generate} runs on its main thread; the thread's OpenMP team ends with it, so that it
     * never shares the cores with the serving engine's idle one (ADR 0051).
     */
    private static <T> T onOwnThread(int threads, Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                DjlRuntime.useIntraOpThreads(threads);
                                result.complete(body.call());
                            } catch (Throwable e) {
                                result.completeExceptionally(e);
                            }
                        },
                        "anneal-bench-generator");
        thread.start();
        thread.join();
        return result.get();
    }

    /**
     * Times the generator: a call for 1 token (its time to first token), then one for all; the
     * difference is the decoding of the tokens after the first.
     */
    private static Latency timeGenerator(Generator generator, long[] promptIds, int newTokens) {
        long start = System.nanoTime();
        generator.generate(promptIds, GenerationConfig.builder().optMaxNewTokens(1).build());
        double first = (System.nanoTime() - start) / 1e9;
        start = System.nanoTime();
        generator.generate(
                promptIds, GenerationConfig.builder().optMaxNewTokens(newTokens).build());
        double all = (System.nanoTime() - start) / 1e9;
        return new Latency(first, (newTokens - 1) / (all - first));
    }

    private static void print(List<Row> rows, BenchArguments options, double bandwidth) {
        System.out.printf(
                Locale.ROOT,
                "### One stream: greedy, %d new tokens, %d threads (medians of %d alternating"
                        + " runs)%n%n",
                options.integer("--new-tokens"),
                options.integer("--threads"),
                options.integer("--runs"));
        String torch = rows.isEmpty() ? "?" : rows.get(0).torchVersion();
        System.out.println(
                "| model | parameters | weights read per token | serving TTFT ms | serving decode"
                        + " tok/s | Generator TTFT ms | Generator decode tok/s | PyTorch "
                        + torch
                        + " TTFT ms | PyTorch decode tok/s | serving / PyTorch | roofline tok/s |"
                        + " serving / roofline | serving decode runs | PyTorch decode runs |");
        System.out.println(
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
                        + " --- |");
        for (Row row : rows) {
            double serving = row.median(row.serving(), Latency::decode);
            double reference = row.median(row.torch(), Latency::decode);
            double roofline = bandwidth / row.model().weightBytesPerToken();
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %.1f MB | %.1f | %,.1f | %.1f | %,.1f | %.1f | %,.1f | %.2f |"
                            + " %,.1f | %.0f%% | %s | %s |%n",
                    row.model().name(),
                    millions(row.model().parameters()),
                    row.model().weightBytesPerToken() / 1e6,
                    row.median(row.serving(), Latency::firstToken) * 1e3,
                    serving,
                    row.median(row.generator(), Latency::firstToken) * 1e3,
                    row.median(row.generator(), Latency::decode),
                    row.median(row.torch(), Latency::firstToken) * 1e3,
                    reference,
                    serving / reference,
                    roofline,
                    100 * serving / roofline,
                    spread(row.serving()),
                    spread(row.torch()));
        }
        int newTokens = options.integer("--new-tokens");
        List<String> early =
                rows.stream()
                        .filter(row -> row.servingTokens().stream().anyMatch(n -> n < newTokens))
                        .map(row -> row.model().name() + " " + row.servingTokens())
                        .toList();
        if (!early.isEmpty()) {
            System.out.printf(
                    "%nServing stopped at the end of sequence before the last token: tokens"
                            + " generated %s.%n",
                    String.join("; ", early));
        }
    }

    private static String millions(long parameters) {
        return parameters >= 1_000_000
                ? String.format(Locale.ROOT, "%.1fM", parameters / 1e6)
                : String.format(Locale.ROOT, "%.0fK", parameters / 1e3);
    }

    private static String spread(List<Latency> runs) {
        return runs.stream()
                .map(run -> String.format(Locale.ROOT, "%.1f", run.decode()))
                .collect(Collectors.joining(", "));
    }
}
