package dev.anneal.serving.structured;

import dev.anneal.tuner.nano.AnnealNano;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The cost of {@link JsonConstraint#allowed()} per generated token, for vocabularies of 261 to 128K
 * tokens, beside the reference of walking every token's bytes from the state one token at a time
 * (no trie). States come from random walks (tokens drawn uniformly among the allowed, budget 256),
 * which spend most of their time inside strings: the worst case, where nearly every token fits.
 *
 * <p>Run: {@code ./mvnw -B -o -Dquick test -pl serving -Dtest=AllowedTokensBenchmark
 * -Danneal.bench=true}
 */
@EnabledIfSystemProperty(named = "anneal.bench", matches = "true")
class AllowedTokensBenchmark {

    private static final int MAX_TOKENS = 256;
    private static final int WARM_UP_WALKS = 20;
    private static final int WALKS = 50;

    @Test
    void shouldPrintTimePerTokenWhenVocabulariesGrow() throws Exception {
        Path cache = Files.createTempDirectory("anneal-bench");
        Vocabulary nano;
        Vocabulary stories;
        try (TextTokenizer tokenizer = TextTokenizer.load(AnnealNano.materialize(cache))) {
            nano = Vocabulary.of(tokenizer, 261, Set.of(257L, 260L));
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(VocabularyTest.STORIES_260K)) {
            Vocabulary.of(tokenizer, 512, Set.of(2L)); // warm-up
            long start = System.nanoTime();
            int rounds = 20;
            for (int i = 0; i < rounds; i++) {
                Vocabulary.of(tokenizer, 512, Set.of(2L));
            }
            double micros = (System.nanoTime() - start) / 1e3 / rounds;
            System.out.printf(
                    Locale.ROOT,
                    "Vocabulary.of(stories260K): %.1f ms, %.1f µs per token%n",
                    micros / 1e3,
                    micros / 512);
            stories = Vocabulary.of(tokenizer, 512, Set.of(2L));
        }
        long trieStart = System.nanoTime();
        SyntheticVocabulary.of(32_000);
        System.out.printf(
                Locale.ROOT,
                "Vocabulary.ofTokenBytes(synthetic 32K), tries included: %.0f ms%n",
                (System.nanoTime() - trieStart) / 1e6);
        List<Object[]> vocabularies =
                List.of(
                        new Object[] {"anneal-nano (byte-level)", nano},
                        new Object[] {"stories260K (SentencePiece)", stories},
                        new Object[] {"synthetic 32K", SyntheticVocabulary.of(32_000)},
                        new Object[] {"synthetic 128K", SyntheticVocabulary.of(128_000)});
        System.out.printf(
                Locale.ROOT,
                "%-28s %-12s %7s %8s %9s %9s %9s %9s %12s%n",
                "vocabulary",
                "format",
                "tokens",
                "nodes",
                "allowed",
                "mean µs",
                "p50 µs",
                "p99 µs",
                "no-trie µs");
        for (Object[] entry : vocabularies) {
            Vocabulary vocabulary = (Vocabulary) entry[1];
            for (String format : List.of("json_object", "schema")) {
                StructuredOutput output =
                        format.equals("json_object")
                                ? StructuredOutput.jsonObject(vocabulary)
                                : StructuredOutput.jsonSchema(
                                        Schemas.json(Schemas.EVERY_KEYWORD), vocabulary);
                run(output, vocabulary, WARM_UP_WALKS, new SplittableRandom(1));
                double[] result = run(output, vocabulary, WALKS, new SplittableRandom(2));
                System.out.printf(
                        Locale.ROOT,
                        "%-28s %-12s %7d %8d %9.0f %9.1f %9.1f %9.1f %12.1f%n",
                        entry[0],
                        format,
                        vocabulary.textTokens(),
                        vocabulary.trie().nodeCount(),
                        result[0],
                        result[1],
                        result[2],
                        result[3],
                        result[4]);
            }
        }
    }

    /** Mean allowed-set size, mean, p50 and p99 µs of allowed(), and the no-trie mean µs. */
    private static double[] run(
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
        long[] sorted = Arrays.copyOf(nanos, calls);
        Arrays.sort(sorted);
        return new double[] {
            (double) allowedTotal / calls,
            Arrays.stream(sorted).average().orElse(0) / 1e3,
            sorted[calls / 2] / 1e3,
            sorted[(int) (calls * 0.99)] / 1e3,
            naiveNanos / 1e3 / naiveCalls
        };
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
