package dev.anneal.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.tuner.data.ExampleEncoder;
import dev.anneal.tuner.data.LineFormat;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.SequenceRow;
import dev.anneal.tuner.data.TokenizedExample;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.recipe.Recipe;
import dev.anneal.tuner.tokenizer.TextTokenizer;
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
import java.util.Random;

/**
 * Training that wastes no tokens: useful tokens/s (input positions that are not padding) of LoRA
 * SFT on chat-like examples of mixed lengths, the engine with packing beside PyTorch with per-batch
 * padding (what a plain Hugging Face trainer does) and PyTorch with the engine's packing ({@code
 * python/packing_reference.py}), at the same thread counts.
 *
 * <p>The data: {@code --examples} prompt-completion examples whose lengths in tokens (prompt,
 * completion, EOS) are log-normal with median {@code --median} and σ {@code --sigma}, clipped to
 * 20–1,000, the prompt a uniform 20–60% of each, random words of the {@link SyntheticModel}
 * tokenizer, all from {@code --seed}. The examples are encoded by the product's {@link
 * ExampleEncoder} and packed by its {@link SequencePacker}, and both are handed to PyTorch, so that
 * both sides train on the same token ids, targets and rows. The model is the training bench's 26m
 * (hidden 512, 8 layers, 8 heads, intermediate 1,376, vocabulary 1,024, tied head; 25.8M
 * parameters) with 1,024 positions; LoRA r 8, alpha 16, no dropout on {@code q,k,v,o}; AdamW lr
 * 1e-3, weight decay 0.01; gradients clipped at norm 1; the loss on the completions only.
 *
 * <p>The engine runs the product's SFT recipe ({@link Recipe#run}, {@code packing: true}, {@code
 * max_seq_length: 1024}, {@code batch_size: --packed-batch} rows): {@code --warmup} untimed steps,
 * then as many timed steps as there are rows, timed between the recipe's step events. PyTorch runs
 * {@code --warmup} untimed steps, then one timed pass over all its batches: padded, {@code
 * --padded-batch} examples per step, each batch right-padded to its longest example; packed, the
 * engine's rows, {@code --packed-batch} per step. Runs alternate (engine, padded, packed), after
 * one untimed engine run that warms the JVM up; medians of {@code --runs}.
 *
 * <pre>
 * bench/engine-bench/run.sh packing [--threads 1,2] [--runs 3] [--examples 48]
 * </pre>
 */
public final class PackingBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FIRST_WORD = 3;
    private static final int MIN_TOKENS = 20;
    private static final int MAX_TOKENS = 1000;

    /** The data as the engine packs it: its rows and input positions, and a summary line. */
    private record Prepared(int rows, long positions, String summary) {}

    private PackingBench() {}

    /**
     * Runs the benchmark and prints its table.
     *
     * @param args {@code --threads 1,2 --runs R --warmup W --examples N --median M --sigma S --seq
     *     L --padded-batch B --packed-batch B --seed S --python PATH --script PATH}
     */
    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.ofEntries(
                                Map.entry("--threads", "1,2"),
                                Map.entry("--runs", "3"),
                                Map.entry("--warmup", "2"),
                                Map.entry("--examples", "48"),
                                Map.entry("--median", "200"),
                                Map.entry("--sigma", "0.8"),
                                Map.entry("--seq", "1024"),
                                Map.entry("--padded-batch", "4"),
                                Map.entry("--packed-batch", "1"),
                                Map.entry("--seed", "42"),
                                Map.entry("--python", "/usr/bin/python3"),
                                Map.entry(
                                        "--script",
                                        "bench/engine-bench/python/packing_reference.py")));
        DjlRuntime.offlineByDefault();
        int runs = options.integer("--runs");
        int warmup = options.integer("--warmup");
        int seq = options.integer("--seq");
        String loadBefore = Machine.loadAverage();
        SyntheticModel.Size size =
                new SyntheticModel.Size(
                        "26m", 512, 8, 8, 8, 1376, 1024, seq, options.integer("--packed-batch"));
        try (SyntheticModel model = new SyntheticModel(size, 0, options.integer("--seed"))) {
            Path trainFile = model.dir().resolve("sft.jsonl");
            Files.write(
                    trainFile,
                    chatLengths(
                            options.integer("--examples"),
                            options.integer("--median"),
                            Double.parseDouble(options.string("--sigma")),
                            size.vocab(),
                            options.integer("--seed")));
            Path data = model.dir().resolve("packing.json");
            Prepared prepared = writeReferenceData(model.dir(), trainFile, seq, data);
            String dataSummary = prepared.summary();
            System.err.println("data: " + dataSummary);

            djlUsefulTokensPerSecond(model, trainFile, prepared, size, 1, warmup, options);
            String[] torchVersion = {"?"};
            List<String> rows = new ArrayList<>();
            double[] paddedFraction = {Double.NaN};
            for (int threads : options.integers("--threads")) {
                Map<String, AlternatingRuns.Side> sides = new LinkedHashMap<>();
                sides.put(
                        "engine packed",
                        () ->
                                djlUsefulTokensPerSecond(
                                        model, trainFile, prepared, size, threads, warmup,
                                        options));
                sides.put(
                        "PyTorch padded",
                        () -> {
                            JsonNode run = reference(options, size, data, "padded", threads);
                            paddedFraction[0] = run.get("padded_fraction").asDouble();
                            return run.get("useful_tokens_per_s").get(0).asDouble();
                        });
                sides.put(
                        "PyTorch packed",
                        () -> {
                            JsonNode run = reference(options, size, data, "packed", threads);
                            torchVersion[0] = run.get("torch").asText();
                            return run.get("useful_tokens_per_s").get(0).asDouble();
                        });
                AlternatingRuns measured =
                        AlternatingRuns.run(runs, "threads " + threads, "useful tokens/s", sides);
                double djlMedian = measured.median("engine packed");
                double paddedMedian = measured.median("PyTorch padded");
                double packedMedian = measured.median("PyTorch packed");
                rows.add(
                        String.format(
                                Locale.ROOT,
                                "| %d | %,.0f | %,.0f | %,.0f | %.2f | %.2f | %s | %s | %s |",
                                threads,
                                djlMedian,
                                paddedMedian,
                                packedMedian,
                                djlMedian / paddedMedian,
                                djlMedian / packedMedian,
                                measured.spread("engine packed", 0),
                                measured.spread("PyTorch padded", 0),
                                measured.spread("PyTorch packed", 0)));
            }
            System.out.printf(
                    Locale.ROOT,
                    "### Packed LoRA SFT on mixed lengths (useful tokens/s, medians of %d"
                            + " alternating runs)%n%n",
                    runs);
            System.out.printf(
                    Locale.ROOT,
                    "Data: %s; PyTorch padded: %d examples per step, %.0f%% of its positions"
                            + " padding.%n%n",
                    dataSummary,
                    options.integer("--padded-batch"),
                    100 * paddedFraction[0]);
            System.out.println(
                    "| threads | engine, packed (DJL 0.36, libtorch 2.7.1) | PyTorch "
                            + torchVersion[0]
                            + ", padded per batch | PyTorch "
                            + torchVersion[0]
                            + ", packed | engine / padded | engine / packed | engine runs |"
                            + " padded runs | packed runs |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            rows.forEach(System.out::println);
            System.out.printf(
                    "%nMachine: %s; load average (1, 5, 15 min) %s before, %s after.%n",
                    Machine.cpu(), loadBefore, Machine.loadAverage());
        }
    }

    /**
     * Prompt-completion lines of random words whose lengths in tokens (prompt, completion and the
     * EOS the encoder appends) are log-normal, clipped to 20–1,000.
     */
    static List<String> chatLengths(int count, int median, double sigma, int vocab, long seed) {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double drawn = median * Math.exp(sigma * random.nextGaussian());
            int tokens = (int) Math.max(MIN_TOKENS, Math.min(MAX_TOKENS, Math.round(drawn)));
            int prompt = (int) Math.round(tokens * (0.2 + 0.4 * random.nextDouble()));
            int completion = tokens - 1 - prompt;
            lines.add(
                    JSON.createObjectNode()
                            .put("prompt", words(prompt, vocab, random))
                            .put("completion", words(completion, vocab, random))
                            .toString());
        }
        return lines;
    }

    private static String words(int count, int vocab, Random random) {
        StringBuilder text = new StringBuilder();
        for (int t = 0; t < count; t++) {
            text.append(t == 0 ? "" : " ")
                    .append('w')
                    .append(FIRST_WORD + random.nextInt(vocab - FIRST_WORD));
        }
        return text.toString();
    }

    /**
     * Encodes and packs the data as the recipe does and writes it for the PyTorch reference: {@code
     * {"examples": [{"ids", "targets"}], "rows": [{"input_ids", "labels", "counted", "positions",
     * "segments"}]}}.
     *
     * @return the rows, positions and a one-line summary of the data
     */
    private static Prepared writeReferenceData(Path modelDir, Path trainFile, int seq, Path out)
            throws IOException {
        List<TokenizedExample> examples = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            ExampleEncoder encoder =
                    new ExampleEncoder(tokenizer, LineFormat.PROMPT_COMPLETION, false, 2);
            for (String line : Files.readAllLines(trainFile)) {
                examples.add(encoder.encode(JSON.readTree(line)));
            }
        }
        SequencePacker.Packed packed = SequencePacker.pack(examples, seq, true, false);
        ObjectNode root = JSON.createObjectNode();
        ArrayNode exampleNodes = root.putArray("examples");
        long positions = 0;
        long counted = 0;
        int shortest = Integer.MAX_VALUE;
        int longest = 0;
        for (TokenizedExample example : examples) {
            ObjectNode node = exampleNodes.addObject();
            ArrayNode ids = node.putArray("ids");
            ArrayNode targets = node.putArray("targets");
            for (int t = 0; t < example.length(); t++) {
                ids.add(example.ids()[t]);
                targets.add(example.targets()[t] ? 1 : 0);
                counted += t > 0 && example.targets()[t] ? 1 : 0;
            }
            positions += example.length() - 1;
            shortest = Math.min(shortest, example.length());
            longest = Math.max(longest, example.length());
        }
        ArrayNode rowNodes = root.putArray("rows");
        for (SequenceRow row : packed.rows()) {
            ObjectNode node = rowNodes.addObject();
            ArrayNode inputIds = node.putArray("input_ids");
            ArrayNode labels = node.putArray("labels");
            ArrayNode countedNode = node.putArray("counted");
            ArrayNode positionIds = node.putArray("positions");
            ArrayNode segments = node.putArray("segments");
            for (int t = 0; t < row.length(); t++) {
                inputIds.add(row.inputIds()[t]);
                labels.add(row.labels()[t]);
                countedNode.add(row.counted()[t] ? 1 : 0);
                positionIds.add(row.positionIds()[t]);
                segments.add(row.segmentIds()[t]);
            }
        }
        JSON.writeValue(out.toFile(), root);
        String summary =
                String.format(
                        Locale.ROOT,
                        "%d examples of %d–%d tokens (mean %.0f), %,d input positions (%,d completion"
                                + " targets), packed into %d rows of at most %d (%.0f%% full)",
                        examples.size(),
                        shortest,
                        longest,
                        (double) positions / examples.size() + 1,
                        positions,
                        counted,
                        packed.rows().size(),
                        seq,
                        100.0 * positions / ((long) packed.rows().size() * seq));
        return new Prepared(packed.rows().size(), positions, summary);
    }

    /** One SFT run of the engine with packing; useful tokens/s of its timed steps. */
    private static double djlUsefulTokensPerSecond(
            SyntheticModel model,
            Path trainFile,
            Prepared prepared,
            SyntheticModel.Size size,
            int threads,
            int warmup,
            BenchArguments options)
            throws IOException {
        JniUtils.setNumThreads(threads);
        int steps = (prepared.rows() + size.batch() - 1) / size.batch();
        Path outputDir = Files.createTempDirectory(model.dir(), "run");
        TrainingConfig config =
                TrainingConfig.parse(
                        recipe(model, trainFile, size, warmup + steps, outputDir, options));
        long[] timedFrom = new long[1];
        long[] timedTo = new long[1];
        long[] tokens = new long[1];
        Recipe.of(config)
                .run(
                        event -> {
                            if (event instanceof TrainingEvent.TrainingStarted started
                                    && (started.trainData().rows() != prepared.rows()
                                            || started.trainData().positions()
                                                    != prepared.positions())) {
                                throw new IllegalStateException(
                                        "the recipe packed "
                                                + started.trainData()
                                                + ", not the rows given to PyTorch");
                            }
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
        return tokens[0] / ((timedTo[0] - timedFrom[0]) / 1e9);
    }

    /** LoRA SFT with packing on the prompt-completion data. */
    private static String recipe(
            SyntheticModel model,
            Path trainFile,
            SyntheticModel.Size size,
            int maxSteps,
            Path outputDir,
            BenchArguments options) {
        return String.join(
                "\n",
                "method: sft",
                "model: '" + model.dir() + "'",
                "output_dir: '" + outputDir + "'",
                "seed: " + options.integer("--seed"),
                "data:",
                "  train: '" + trainFile + "'",
                "  format: prompt_completion",
                "  max_seq_length: " + size.seq(),
                "  packing: true",
                TrainingBench.loraTraining(maxSteps, size.batch()));
    }

    private static JsonNode reference(
            BenchArguments options, SyntheticModel.Size size, Path data, String mode, int threads)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(size.referenceArguments());
        int batch =
                mode.equals("padded")
                        ? options.integer("--padded-batch")
                        : options.integer("--packed-batch");
        // referenceArguments ends with --batch <rows>: replace it with this mode's batch
        arguments.set(arguments.size() - 1, Integer.toString(batch));
        arguments.addAll(
                List.of(
                        "--data", data.toString(),
                        "--mode", mode,
                        "--threads", Integer.toString(threads),
                        "--warmup", options.string("--warmup"),
                        "--seed", options.string("--seed"),
                        "--targets", String.join(",", TrainingBench.TARGETS),
                        "--r", Integer.toString(TrainingBench.RANK)));
        return PyTorchReference.run(
                options.path("--python"), options.path("--script"), threads, arguments);
    }
}
