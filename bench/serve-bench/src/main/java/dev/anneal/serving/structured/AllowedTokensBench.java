package dev.anneal.serving.structured;

import dev.anneal.bench.BenchArguments;
import dev.anneal.bench.Machine;
import dev.anneal.tuner.nano.AnnealNano;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The cost of {@link JsonConstraint#allowed()} per generated token, for vocabularies of 261 to 128K
 * tokens, beside the reference of walking every token's bytes from the state one token at a time
 * (no trie). States come from random walks (tokens drawn uniformly among the allowed, budget 256),
 * which spend most of their time inside strings: the worst case, where nearly every token fits.
 *
 * <p>In serving's package, in the bench module: it times package-private parts of constrained
 * decoding (the constraint's state, the trie) that serving does not publish. The synthetic
 * vocabularies and the schema are serving's test fixtures ({@link SyntheticVocabulary}, {@link
 * Schemas}).
 *
 * <p>Run from the repository root: {@code bench/serve-bench.sh allowed-tokens [--walks 50]}.
 */
public final class AllowedTokensBench {

    private static final int MAX_TOKENS = 256;

    private AllowedTokensBench() {}

    /**
     * Runs the benchmark and prints its table.
     *
     * @param args {@code --walks N --warmup-walks N --stories260K DIR}
     */
    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.of(
                                "--walks", "50",
                                "--warmup-walks", "20",
                                "--stories260K", "tuner/engine/models/stories260K"));
        String loadBefore = Machine.loadAverage();
        Vocabulary nano;
        Vocabulary stories;
        Path cache = Files.createTempDirectory("anneal-bench");
        try (TextTokenizer tokenizer = TextTokenizer.load(AnnealNano.materialize(cache))) {
            nano = Vocabulary.of(tokenizer, 261, Set.of(257L, 260L));
        } finally {
            try (Stream<Path> paths = Files.walk(cache)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        double storiesMicros;
        try (TextTokenizer tokenizer = TextTokenizer.load(options.path("--stories260K"))) {
            Vocabulary.of(tokenizer, 512, Set.of(2L)); // warm-up
            long start = System.nanoTime();
            int rounds = 20;
            for (int i = 0; i < rounds; i++) {
                Vocabulary.of(tokenizer, 512, Set.of(2L));
            }
            storiesMicros = (System.nanoTime() - start) / 1e3 / rounds;
            stories = Vocabulary.of(tokenizer, 512, Set.of(2L));
        }
        long trieStart = System.nanoTime();
        SyntheticVocabulary.of(32_000);
        double synthetic32kMillis = (System.nanoTime() - trieStart) / 1e6;
        List<Map.Entry<String, Vocabulary>> vocabularies =
                List.of(
                        Map.entry("anneal-nano (byte-level)", nano),
                        Map.entry("stories260K (SentencePiece)", stories),
                        Map.entry("synthetic 32K", SyntheticVocabulary.of(32_000)),
                        Map.entry("synthetic 128K", SyntheticVocabulary.of(128_000)));
        System.out.printf(
                Locale.ROOT,
                "### Structured output: JsonConstraint.allowed() per generated token (µs; %d random"
                        + " walks of at most %d tokens)%n%n",
                options.integer("--walks"),
                MAX_TOKENS);
        System.out.println(
                "| vocabulary | format | text tokens | trie nodes | mean allowed | mean µs | p50 µs"
                        + " | p99 µs | no-trie mean µs (reference) |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<String, Vocabulary> entry : vocabularies) {
            Vocabulary vocabulary = entry.getValue();
            for (String format : List.of("json_object", "schema")) {
                StructuredOutput output =
                        format.equals("json_object")
                                ? StructuredOutput.jsonObject(vocabulary)
                                : StructuredOutput.jsonSchema(
                                        Schemas.json(Schemas.EVERY_KEYWORD), vocabulary);
                walk(
                        output,
                        vocabulary,
                        options.integer("--warmup-walks"),
                        new SplittableRandom(1));
                Walks result =
                        walk(
                                output,
                                vocabulary,
                                options.integer("--walks"),
                                new SplittableRandom(2));
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %d | %d | %.0f | %.1f | %.1f | %.1f | %.1f |%n",
                        entry.getKey(),
                        format,
                        vocabulary.textTokens(),
                        vocabulary.trie().nodeCount(),
                        result.meanAllowed(),
                        result.meanMicros(),
                        Machine.percentile(result.micros(), 50),
                        Machine.percentile(result.micros(), 99),
                        result.noTrieMeanMicros());
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%nBuilding the vocabulary: Vocabulary.of(stories260K) %.1f ms (%.1f µs per token);"
                        + " Vocabulary.ofTokenBytes(synthetic 32K), tries included, %.0f ms."
                        + " Machine: %s; load average (1, 5, 15 min) %s before, %s after.%n",
                storiesMicros / 1e3,
                storiesMicros / 512,
                synthetic32kMillis,
                Machine.cpu(),
                loadBefore,
                Machine.loadAverage());
    }

    /**
     * What the walks measured.
     *
     * @param meanAllowed the mean size of the allowed set
     * @param micros every call's time, µs
     * @param noTrieMeanMicros the reference's mean time over the first walk, µs
     */
    private record Walks(double meanAllowed, List<Double> micros, double noTrieMeanMicros) {

        double meanMicros() {
            return micros.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        }
    }

    /** Random walks; the first one also runs the reference at every step and checks it agrees. */
    private static Walks walk(
            StructuredOutput output, Vocabulary vocabulary, int walks, SplittableRandom random) {
        long[] nanos = new long[walks * MAX_TOKENS];
        long naiveNanos = 0;
        int naiveCalls = 0;
        long allowedTotal = 0;
        int calls = 0;
        for (int walk = 0; walk < walks; walk++) {
            JsonConstraint constraint = (JsonConstraint) output.newConstraint(MAX_TOKENS);
            int tokensLeft = MAX_TOKENS;
            while (!constraint.isComplete()) {
                long start = System.nanoTime();
                BitSet allowed = constraint.allowed();
                nanos[calls++] = System.nanoTime() - start;
                allowedTotal += allowed.cardinality();
                if (walk == 0) {
                    long naiveStart = System.nanoTime();
                    BitSet naive = naiveAllowed(constraint.state(), tokensLeft, vocabulary);
                    naiveNanos += System.nanoTime() - naiveStart;
                    naiveCalls++;
                    if (!naive.equals(allowed)) {
                        throw new AssertionError("the trie and the plain walk disagree");
                    }
                }
                int[] ids = allowed.stream().toArray();
                constraint.accept(ids[random.nextInt(ids.length)]);
                tokensLeft--;
            }
        }
        List<Double> micros = Arrays.stream(nanos, 0, calls).mapToObj(n -> n / 1e3).toList();
        return new Walks((double) allowedTotal / calls, micros, naiveNanos / 1e3 / naiveCalls);
    }

    /** The reference: each text token's bytes stepped from the state on their own. */
    private static BitSet naiveAllowed(Frame state, int tokensLeft, Vocabulary vocabulary) {
        BitSet allowed = new BitSet(vocabulary.size());
        for (int id = 0; id < vocabulary.size(); id++) {
            byte[] bytes = vocabulary.bytes(id);
            if (bytes == null) {
                continue;
            }
            Frame next = state;
            for (int i = 0; i < bytes.length && next != null; i++) {
                next = next.step(bytes[i] & 0xFF);
            }
            if (next != null && next.cost() + 2 <= tokensLeft) {
                allowed.set(id);
            }
        }
        return allowed;
    }
}
