package dev.anneal.bench;

import dev.anneal.tuner.recipe.Recipe;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * A step is one optimizer step of LoRA SFT of stories260K through the recipe engine ({@link
 * Recipe}): a batch of 4 packed 128-position rows of a generated chat set, forward, backward,
 * AdamW, with the engine's stability snapshots every 10 steps. The run is one {@link Recipe#run}
 * with {@code max_steps} the bench's step count; no validation set, one checkpoint at the end (in a
 * temporary folder, deleted on close). Memory is sampled from the listener between steps.
 */
final class TrainingWorkload implements Workload {

    private static final String[] NAMES = {"Lily", "Max", "Tim", "Ben", "Sue", "Mia", "Sam", "Amy"};
    private static final String[] ANIMALS = {"bunny", "cat", "dog", "bird", "frog", "bear"};
    private static final String[] PLACES = {"garden", "park", "house", "school", "forest"};

    private final Path modelDir;
    private final Path workDir;
    private final Path trainFile;

    TrainingWorkload(Path modelDir) throws IOException {
        this.modelDir = modelDir.toAbsolutePath().normalize();
        this.workDir = Files.createTempDirectory("anneal-memory-training");
        this.trainFile = workDir.resolve("train.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            String name = NAMES[i % NAMES.length];
            String animal = ANIMALS[(i / NAMES.length) % ANIMALS.length];
            String place = PLACES[i % PLACES.length];
            lines.add(
                    String.format(
                            Locale.ROOT,
                            "{\"messages\": [{\"role\": \"user\", \"content\": \"Who is %s?\"},"
                                    + " {\"role\": \"assistant\", \"content\": \"%s is a little"
                                    + " %s. %s likes to play in the %s.\"}]}",
                            name,
                            name,
                            animal,
                            name,
                            place));
        }
        Files.write(trainFile, lines);
    }

    @Override
    public String describe() {
        return "one LoRA SFT optimizer step (batch 4 x 128 positions, r 8, AdamW)";
    }

    @Override
    public void run(int steps, IntConsumer afterStep) throws IOException {
        TrainingConfig config = TrainingConfig.parse(recipe(steps));
        int[] reported = {0};
        Recipe.of(config)
                .run(
                        event -> {
                            int step;
                            if (event instanceof TrainingEvent.StepMetrics metrics) {
                                step = metrics.step();
                            } else if (event instanceof TrainingEvent.StepSkipped skipped) {
                                step = skipped.step();
                            } else {
                                return;
                            }
                            // after a rollback step numbers restart: report each number once
                            if (step > reported[0]) {
                                reported[0] = step;
                                afterStep.accept(step);
                            }
                        });
    }

    /** The recipe, as {@code tuner/engine/recipes/stories260k_lora.yaml} with the bench's steps. */
    private String recipe(int steps) {
        return String.join(
                "\n",
                "method: sft",
                "model: '" + modelDir + "'",
                "output_dir: '" + workDir.resolve("run") + "'",
                "seed: 42",
                "data:",
                "  train: '" + trainFile + "'",
                "  format: chat",
                "  max_seq_length: 128",
                "  packing: true",
                "lora:",
                "  r: 8",
                "  alpha: 16",
                "  dropout: 0.05",
                "  target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]",
                "optimizer:",
                "  lr: 1.0e-3",
                "  weight_decay: 0.01",
                "  max_grad_norm: 1.0",
                "schedule:",
                "  type: cosine",
                "  warmup_steps: " + Math.min(5, steps),
                "  min_lr_ratio: 0.1",
                "training:",
                "  max_steps: " + steps,
                "  batch_size: 4",
                "  gradient_accumulation_steps: 1",
                "  eval_every: 0",
                "  checkpoint_every: 0",
                "stability:",
                "  snapshot_every: 10",
                "  max_rollbacks: 1000",
                "");
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> paths = Files.walk(workDir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
