package dev.anneal.bench.serve;

import dev.anneal.bench.BenchArguments;
import dev.anneal.bench.Machine;
import dev.anneal.serving.ServedModel;
import dev.anneal.serving.ServingConfig;
import dev.anneal.serving.ServingEngine;
import dev.anneal.tuner.model.DjlRuntime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Concurrent streams on one {@link ServingEngine}: aggregate tokens/s and the p50 and p99 of time
 * to first token and of time per output token, at 1, 4, 16 and 64 streams, on the base model only
 * and spread over 8 and 32 distinct LoRA adapters ({@link RandomAdapters}).
 *
 * <p>Closed loop: {@code streams} clients each submit a request, wait for its last token and submit
 * the next, until the scenario's requests are done: {@code streams × --rounds}, at least {@code
 * --min-requests}. Request {@code k} goes to adapter {@code k mod adapters}, so at most {@code
 * min(streams, adapters)} distinct adapters are in flight at once. Every request is greedy, {@code
 * --tokens} new tokens after the model's prompt ({@link BenchModel}).
 *
 * <p>Aggregate tokens/s: all the scenario's tokens over the time from the first submission to the
 * last token. Time to first token: from a request's submission to its first token, queueing
 * included. Time per output token: per request, the time from its first token to its last over the
 * tokens after the first. Percentiles are nearest-rank over the scenario's requests. Every adapter
 * is loaded (one request each) and the JVM warmed up before any scenario; the scenarios of one
 * stream count run one after the other, base first, so that the adapters' ratio to the base
 * compares runs close in time.
 *
 * <p>Run from the repository root: {@code bench/serve-bench.sh concurrency [--model 26m] [--streams
 * 1,4,16,64] [--adapters 0,8,32] [--tokens 32]}.
 */
public final class ConcurrencyBench {

    private ConcurrencyBench() {}

    /**
     * Runs the benchmark and prints its table.
     *
     * @param args {@code --model 26m --streams 1,4,16,64 --adapters 0,8,32 --tokens N --rounds R
     *     --min-requests M --threads N --stories260K DIR}
     */
    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.of(
                                "--model", "26m",
                                "--streams", "1,4,16,64",
                                "--adapters", "0,8,32",
                                "--tokens", "64",
                                "--rounds", "2",
                                "--min-requests", "32",
                                "--threads", "2",
                                "--stories260K", "tuner/engine/models/stories260K"));
        DjlRuntime.offlineByDefault();
        // this thread writes adapters and submits; only the engine thread owns a team (ADR 0051)
        DjlRuntime.useIntraOpThreads(1);
        List<Integer> streamCounts = options.integers("--streams");
        List<Integer> adapterCounts = options.integers("--adapters");
        int mostAdapters = Collections.max(adapterCounts);
        int mostStreams = Collections.max(streamCounts);
        String loadBefore = Machine.loadAverage();
        List<Result> results = new ArrayList<>();
        try (BenchModel model =
                BenchModel.open(options.string("--model"), options.path("--stories260K"))) {
            MemoryModelStore store = new MemoryModelStore(model.name(), model.dir());
            System.err.printf("%s: writing %d random adapters%n", model.name(), mostAdapters);
            List<byte[]> archives =
                    RandomAdapters.archives(model.dir(), model.name(), mostAdapters, 7);
            for (int i = 0; i < archives.size(); i++) {
                store.addLora(adapterId(i), archives.get(i));
            }
            // every adapter in memory, and KV-cache room for every stream: none waits but for
            // the engine thread
            ServingConfig config =
                    new ServingConfig(
                            Math.max(mostAdapters, 1),
                            mostStreams * model.contextLength(),
                            mostStreams,
                            ServingConfig.DEFAULT_PREFILL_CHUNK,
                            options.integer("--threads"));
            try (ServingEngine engine = new ServingEngine(store, config)) {
                ServedModel base = engine.open(MemoryModelStore.TENANT, model.name());
                List<ServedModel> adapters = new ArrayList<>();
                for (int i = 0; i < mostAdapters; i++) {
                    adapters.add(engine.open(MemoryModelStore.TENANT, adapterId(i)));
                }
                warmUp(model, base, adapters, options.integer("--tokens"));
                for (int streams : streamCounts) {
                    for (int adapterCount : adapterCounts) {
                        List<ServedModel> targets =
                                adapterCount == 0
                                        ? List.of(base)
                                        : adapters.subList(0, adapterCount);
                        int requests =
                                streams
                                        * Math.max(
                                                options.integer("--rounds"),
                                                ceilDiv(
                                                        options.integer("--min-requests"),
                                                        streams));
                        Result result =
                                run(
                                        model,
                                        targets,
                                        adapterCount,
                                        streams,
                                        requests,
                                        options.integer("--tokens"));
                        System.err.printf(
                                Locale.ROOT,
                                "%d streams, %d adapters: %.1f tokens/s%n",
                                streams,
                                adapterCount,
                                result.tokensPerSecond());
                        results.add(result);
                    }
                }
            }
            print(results, model, options);
        }
        System.out.printf(
                "%nMachine: %s; load average (1, 5, 15 min) %s before, %s after.%n",
                Machine.cpu(), loadBefore, Machine.loadAverage());
    }

    private static String adapterId(int i) {
        return "lora-" + i;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Loads every adapter (a short request each), then runs a few full requests on the base and on
     * the adapters so that the JVM's hot paths are compiled before the first scenario.
     */
    private static void warmUp(
            BenchModel model, ServedModel base, List<ServedModel> adapters, int tokens)
            throws Exception {
        System.err.printf("warming up, loading %d adapters%n", adapters.size());
        for (ServedModel adapter : adapters) {
            TimedStream.run(adapter, model.prompt(), 2);
        }
        List<ServedModel> targets = new ArrayList<>(adapters);
        targets.add(base);
        for (int round = 0; round < 2; round++) {
            run(model, targets, adapters.size(), 4, 8, tokens);
        }
    }

    /**
     * One scenario's figures.
     *
     * @param adapters distinct adapters, 0 for the base only
     * @param streams concurrent streams
     * @param streamTimes every request's times
     * @param seconds from the first submission to the last token
     */
    private record Result(
            int adapters, int streams, List<TimedStream.Times> streamTimes, double seconds) {

        int tokens() {
            return streamTimes.stream().mapToInt(times -> times.tokens().length).sum();
        }

        double tokensPerSecond() {
            return tokens() / seconds;
        }

        double timeToFirstToken(double percent) {
            return Machine.percentile(
                    streamTimes.stream().map(TimedStream.Times::timeToFirstToken).toList(),
                    percent);
        }

        double timePerOutputToken(double percent) {
            return Machine.percentile(
                    streamTimes.stream()
                            .filter(times -> times.tokens().length > 1)
                            .map(TimedStream.Times::timePerOutputToken)
                            .toList(),
                    percent);
        }
    }

    /** Runs {@code requests} requests, {@code streams} at a time, round-robin over the targets. */
    private static Result run(
            BenchModel model,
            List<ServedModel> targets,
            int adapterCount,
            int streams,
            int requests,
            int tokens)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<TimedStream.Times> times = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(streams);
        try {
            long start = System.nanoTime();
            List<Future<?>> running = new ArrayList<>(streams);
            for (int client = 0; client < streams; client++) {
                running.add(
                        clients.submit(
                                () -> {
                                    for (int k = next.getAndIncrement();
                                            k < requests;
                                            k = next.getAndIncrement()) {
                                        ServedModel target = targets.get(k % targets.size());
                                        times.add(TimedStream.run(target, model.prompt(), tokens));
                                    }
                                    return null;
                                }));
            }
            for (Future<?> client : running) {
                client.get();
            }
            long end = times.stream().mapToLong(TimedStream.Times::finished).max().orElseThrow();
            return new Result(adapterCount, streams, List.copyOf(times), (end - start) / 1e9);
        } finally {
            clients.shutdown();
        }
    }

    private static void print(List<Result> results, BenchModel model, BenchArguments options) {
        System.out.printf(
                Locale.ROOT,
                "### Concurrent streams: %s (%.1fM parameters), greedy, %d new tokens per request,"
                        + " %d engine threads%n%n",
                model.name(),
                model.parameters() / 1e6,
                options.integer("--tokens"),
                options.integer("--threads"));
        System.out.println(
                "| adapters | streams | requests | tokens | aggregate tok/s | × one stream |"
                        + " × base only | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms | TPOT p99 ms |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        Map<Integer, Double> oneStream = new HashMap<>();
        Map<Integer, Double> baseOnly = new HashMap<>();
        for (Result result : results) {
            if (result.streams() == 1) {
                oneStream.put(result.adapters(), result.tokensPerSecond());
            }
            if (result.adapters() == 0) {
                baseOnly.put(result.streams(), result.tokensPerSecond());
            }
        }
        for (Result result : results) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %,.1f | %s | %s | %.1f | %.1f | %.1f | %.1f |%n",
                    result.adapters() == 0 ? "base only" : Integer.toString(result.adapters()),
                    result.streams(),
                    result.streamTimes().size(),
                    result.tokens(),
                    result.tokensPerSecond(),
                    ratio(result.tokensPerSecond(), oneStream.get(result.adapters())),
                    ratio(result.tokensPerSecond(), baseOnly.get(result.streams())),
                    result.timeToFirstToken(50) * 1e3,
                    result.timeToFirstToken(99) * 1e3,
                    result.timePerOutputToken(50) * 1e3,
                    result.timePerOutputToken(99) * 1e3);
        }
    }

    private static String ratio(double value, Double reference) {
        return reference == null ? "" : String.format(Locale.ROOT, "%.2f", value / reference);
    }
}
