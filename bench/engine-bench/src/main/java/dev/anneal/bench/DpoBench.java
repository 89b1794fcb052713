package dev.anneal.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.data.Batch;
import dev.anneal.tuner.data.PreferencePair;
import dev.anneal.tuner.data.SequencePacker;
import dev.anneal.tuner.data.TokenizedExample;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.loss.DpoLoss;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.optim.AdamW;
import dev.anneal.tuner.optim.GradientClipping;
import dev.anneal.tuner.train.TrainableModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DPO optimizer steps/s: the engine's DPO step beside the PyTorch reference DPO step ({@code
 * python/dpo_reference.py}, the step of {@code tuner/engine/src/test/python/reference_dpo.py}, the
 * script the engine's DPO gradient fixtures come from), at the same thread counts.
 *
 * <p>Both sides: stories260K, the fixtures' 3 preference pairs ({@code
 * fixtures/reference-dpo/pairs.safetensors}, the ids {@code reference_dpo.py} makes), all 3 in
 * every step, the sigmoid DPO loss with beta 0.5 against reference log-probabilities computed once
 * before training, LoRA r 4, alpha 8 on {@code q,k,v,o,gate,up,down}, gradients clipped at norm 1,
 * AdamW lr 1e-3, weight decay 0.01. The engine's step is the recipe's ({@code DpoObjective}, {@code
 * TrainingRun}) written out with the same public parts: both sides of each pair as two segments of
 * one packed row ({@link SequencePacker#packPairs}), one forward and backward of the 3 rows, {@link
 * DpoLoss}, {@link GradientClipping}, {@link AdamW}; PyTorch runs each side through the model on
 * its own, as the fixture script does. Both in float32.
 *
 * <p>A run: {@code --warmup} untimed steps, then {@code --steps} timed ones; the engine's runs in
 * this JVM after one untimed run, PyTorch's each a fresh process; runs alternate; medians of {@code
 * --runs}.
 *
 * <pre>
 * bench/engine-bench/run.sh dpo [--threads 1,2] [--runs 3] [--steps 100]
 * </pre>
 */
public final class DpoBench {

    private static final float BETA = 0.5f;
    private static final double LEARNING_RATE = 1e-3;
    private static final double MAX_GRAD_NORM = 1.0;

    private DpoBench() {}

    /**
     * Runs the benchmark and prints its table.
     *
     * @param args {@code --threads 1,2 --runs R --warmup W --steps S --model PATH --pairs PATH
     *     --python PATH --script PATH}
     */
    public static void main(String[] args) throws Exception {
        BenchArguments options =
                new BenchArguments(
                        args,
                        Map.of(
                                "--threads", "1,2",
                                "--runs", "3",
                                "--warmup", "5",
                                "--steps", "100",
                                "--model", "tuner/engine/models/stories260K",
                                "--pairs",
                                        "tuner/engine/src/test/resources/fixtures/reference-dpo/"
                                                + "pairs.safetensors",
                                "--python", "/usr/bin/python3",
                                "--script", "bench/engine-bench/python/dpo_reference.py"));
        DjlRuntime.offlineByDefault();
        int runs = options.integer("--runs");
        int warmup = options.integer("--warmup");
        int steps = options.integer("--steps");
        String loadBefore = Machine.loadAverage();
        List<PreferencePair> pairs = fixturePairs(options.path("--pairs"));
        Engine.getInstance();
        djlStepsPerSecond(options.path("--model"), pairs, 1, warmup, steps);
        String[] torchVersion = {"?"};
        List<String> rows = new ArrayList<>();
        for (int threads : options.integers("--threads")) {
            Map<String, AlternatingRuns.Side> sides = new LinkedHashMap<>();
            sides.put(
                    "engine",
                    () ->
                            djlStepsPerSecond(
                                    options.path("--model"), pairs, threads, warmup, steps));
            sides.put(
                    "PyTorch",
                    () -> {
                        JsonNode reference =
                                PyTorchReference.run(
                                        options.path("--python"),
                                        options.path("--script"),
                                        threads,
                                        List.of(
                                                "--model", options.string("--model"),
                                                "--threads", Integer.toString(threads),
                                                "--warmup", Integer.toString(warmup),
                                                "--steps", Integer.toString(steps)));
                        torchVersion[0] = reference.get("torch").asText();
                        return reference.get("steps_per_s").get(0).asDouble();
                    });
            AlternatingRuns measured =
                    AlternatingRuns.run(runs, "threads " + threads, "DPO steps/s", sides);
            double djlMedian = measured.median("engine");
            double torchMedian = measured.median("PyTorch");
            rows.add(
                    String.format(
                            Locale.ROOT,
                            "| %d | %.1f | %.1f | %.2f | %s | %s |",
                            threads,
                            djlMedian,
                            torchMedian,
                            djlMedian / torchMedian,
                            measured.spread("engine", 1),
                            measured.spread("PyTorch", 1)));
        }
        System.out.printf(
                Locale.ROOT,
                "### DPO steps/s (stories260K, 3 pairs per step, LoRA r 4; medians of %d"
                        + " alternating runs of %d steps after %d warm-up steps)%n%n",
                runs,
                steps,
                warmup);
        System.out.println(
                "| threads | engine (DJL 0.36, libtorch 2.7.1) | PyTorch "
                        + torchVersion[0]
                        + " (reference_dpo.py step) | engine / PyTorch | engine runs | PyTorch"
                        + " runs |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
        System.out.printf(
                "%nMachine: %s; load average (1, 5, 15 min) %s before, %s after.%n",
                Machine.cpu(), loadBefore, Machine.loadAverage());
    }

    /** One fresh training run of the engine's DPO step; steps/s of its timed steps. */
    private static double djlStepsPerSecond(
            Path modelDir, List<PreferencePair> pairs, int threads, int warmup, int steps)
            throws IOException {
        JniUtils.setNumThreads(threads);
        try (NDManager manager = NDManager.newBaseManager();
                AdamW optimizer = new AdamW(manager, 0.9, 0.999, 1e-8, 0.01)) {
            TrainableModel model =
                    TrainableModel.load(
                            modelDir,
                            LoraConfig.rank(4)
                                    .withAlpha(8)
                                    .withTargetModules(LoraConfig.ALL_MODULES),
                            42,
                            manager);
            Batch batch = Batch.collate(SequencePacker.packPairs(pairs, 64).rows(), true);
            NDArray beta = manager.create(new float[] {BETA});
            NDArray reference;
            try (NDManager pass = manager.newSubManager()) {
                Batch.Arrays arrays = batch.toArrays(pass);
                reference =
                        DpoLoss.sequenceLogProbs(
                                model.logits(arrays, false), arrays.labels(), sides(batch, pass));
                reference.attach(manager);
            }
            for (int i = 0; i < warmup; i++) {
                step(model, optimizer, batch, reference, beta, manager);
            }
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                step(model, optimizer, batch, reference, beta, manager);
            }
            return steps / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Forward and backward of every pair, clipping, AdamW: the recipe's step. */
    private static double step(
            TrainableModel model,
            AdamW optimizer,
            Batch batch,
            NDArray reference,
            NDArray beta,
            NDManager manager) {
        try (NDManager step = manager.newSubManager()) {
            double loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Batch.Arrays arrays = batch.toArrays(step);
                NDArray policy =
                        DpoLoss.sequenceLogProbs(
                                model.logits(arrays, true), arrays.labels(), sides(batch, step));
                NDArray mean =
                        DpoLoss.losses(DpoLoss.rewards(policy, reference, beta))
                                .sum()
                                .div(step.create((float) batch.rows()));
                collector.backward(mean);
                loss = mean.getFloat();
            }
            Map<String, NDArray> gradients = model.gradients(step);
            double norm = GradientClipping.globalNorm(gradients.values(), step);
            GradientClipping.clip(gradients.values(), norm, MAX_GRAD_NORM);
            optimizer.step(model.values(), gradients, LEARNING_RATE, step);
            model.zeroGradients(step);
            return loss;
        }
    }

    /** {@code [pairs, seq, 2]}: the counted labels of the chosen (segment 0) and rejected sides. */
    private static NDArray sides(Batch batch, NDManager manager) {
        float[] mask = batch.lossMask();
        float[] sides = new float[mask.length * 2];
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] > 0) {
                sides[i * 2 + (int) batch.segmentIds()[i]] = 1;
            }
        }
        return manager.create(sides, new Shape(batch.rows(), batch.length(), 2));
    }

    private static List<PreferencePair> fixturePairs(Path file) throws IOException {
        SafetensorsFile pairs = SafetensorsFile.open(file);
        List<PreferencePair> read = new ArrayList<>();
        for (int i = 0; pairs.tensors().containsKey("pair" + i + ".chosen.ids"); i++) {
            read.add(
                    new PreferencePair(
                            side(pairs, "pair" + i + ".chosen"),
                            side(pairs, "pair" + i + ".rejected")));
        }
        return read;
    }

    private static TokenizedExample side(SafetensorsFile file, String name) throws IOException {
        long[] ids = file.readLongs(name + ".ids");
        long[] targets = file.readLongs(name + ".targets");
        boolean[] counted = new boolean[targets.length];
        for (int t = 0; t < targets.length; t++) {
            counted[t] = targets[t] == 1;
        }
        return new TokenizedExample(ids, counted);
    }
}
