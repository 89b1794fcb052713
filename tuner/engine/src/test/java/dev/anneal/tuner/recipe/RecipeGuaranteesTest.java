package dev.anneal.tuner.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import dev.anneal.tuner.train.TrainingListener;
import dev.anneal.tuner.train.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-recipe guarantees: frozen base under LoRA, gradient accumulation, non-finite skips. */
class RecipeGuaranteesTest {

    /**
     * LoRA leaves the base bit-for-bit as loaded. The run's final validation loss is computed by
     * the in-memory trained model; resuming from the final checkpoint loads a fresh base from disk
     * plus only the checkpoint's LoRA tensors and evaluates again without training. The two losses
     * are equal exactly, so the base the run evaluated with is the base on disk, which is itself
     * byte-for-byte unchanged.
     */
    @Test
    void shouldKeepBaseWeightsBitForBitWhenTrainingLora(@TempDir Path output) throws Exception {
        Path baseFile = Stories260K.DIR.resolve("model.safetensors");
        byte[] before = sha256(baseFile);
        TrainingConfig config =
                RecipeFixtures.config(
                        "sft",
                        "tiny_chat_train.jsonl",
                        "tiny_chat_validation.jsonl",
                        output,
                        """
                        seed: 5
                        DATA:
                          max_seq_length: 96
                          packing: true
                        lora: {r: 4, alpha: 8, dropout: 0.1,
                               target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]}
                        optimizer: {lr: 1.0e-2, weight_decay: 0.1}
                        training: {max_steps: 4, batch_size: 4}
                        """);

        TrainingResult trained = new SftRecipe(config).run(TrainingListener.NONE);
        RecipeFixtures.Recorder reloaded = new RecipeFixtures.Recorder();
        TrainingResult fresh =
                new SftRecipe(config).run(reloaded, RunOptions.resumeFrom(trained.checkpoint()));

        assertThat(sha256(baseFile)).isEqualTo(before);
        Set<String> saved =
                SafetensorsFile.open(trained.checkpoint().resolve(TrainingState.WEIGHTS_FILE))
                        .tensors()
                        .keySet();
        assertThat(saved)
                .hasSize(70)
                .allMatch(n -> n.endsWith(".lora_A.weight") || n.endsWith(".lora_B.weight"));
        assertThat(reloaded.of(TrainingEvent.StepMetrics.class)).isEmpty();
        assertThat(fresh.steps()).isEqualTo(4);
        assertThat(trained.validationLoss()).isFinite();
        // Bit-for-bit: the adapters did change the model (not a vacuous equality)...
        assertThat(trained.validationLoss()).isEqualTo(fresh.validationLoss());
        assertThat(trained.tokenAccuracy()).isEqualTo(fresh.tokenAccuracy());
        TrainingConfig untrained =
                RecipeFixtures.config(
                        "sft",
                        "tiny_chat_train.jsonl",
                        "tiny_chat_validation.jsonl",
                        output.resolve("untrained"),
                        """
                        seed: 5
                        DATA:
                          max_seq_length: 96
                          packing: true
                        lora: {r: 4, alpha: 8}
                        training: {max_steps: 1, batch_size: 4}
                        optimizer: {lr: 1.0e-12}
                        """);
        // ...since an (almost) untrained adapter gives a clearly different loss.
        double baseLoss = new SftRecipe(untrained).run(TrainingListener.NONE).validationLoss();
        assertThat(Math.abs(baseLoss - trained.validationLoss())).isGreaterThan(1e-3);
    }

    /** batch 4 x accumulation 1 and batch 2 x accumulation 2 take the same steps. */
    @Test
    void shouldGiveSameLossesWhenAccumulatingGradients(@TempDir Path output) throws Exception {
        RecipeFixtures.Recorder large = new RecipeFixtures.Recorder();
        RecipeFixtures.Recorder accumulated = new RecipeFixtures.Recorder();

        new SftRecipe(accumulationConfig(output.resolve("large"), 4, 1)).run(large);
        new SftRecipe(accumulationConfig(output.resolve("acc"), 2, 2)).run(accumulated);

        var expected = large.of(TrainingEvent.StepMetrics.class);
        var actual = accumulated.of(TrainingEvent.StepMetrics.class);
        assertThat(expected).hasSize(6);
        assertThat(actual).hasSize(6);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).step()).isEqualTo(expected.get(i).step());
            assertThat(actual.get(i).tokens()).isEqualTo(expected.get(i).tokens());
            assertThat(actual.get(i).trainLoss())
                    .as("step %d", i + 1)
                    .isCloseTo(expected.get(i).trainLoss(), within(1e-5));
            assertThat(actual.get(i).gradNorm())
                    .isCloseTo(
                            expected.get(i).gradNorm(), within(1e-4 * expected.get(i).gradNorm()));
        }
        assertThat(expected.get(5).trainLoss()).isLessThan(expected.get(0).trainLoss());
    }

    private static TrainingConfig accumulationConfig(Path output, int batch, int accumulation)
            throws Exception {
        return RecipeFixtures.config(
                "sft",
                "tiny_chat_train.jsonl",
                null,
                output,
                """
                seed: 9
                DATA:
                  max_seq_length: 96
                  packing: false
                  shuffle: false
                lora: {r: 4, alpha: 8, dropout: 0.0}
                optimizer: {lr: 1.0e-2, weight_decay: 0.01, max_grad_norm: 1.0}
                training: {max_steps: 6, batch_size: %d, gradient_accumulation_steps: %d}
                stability: {spike_factor: 0}
                """
                        .formatted(batch, accumulation));
    }

    /**
     * A batch whose loss is NaN is skipped and training goes on. The data cannot make a NaN through
     * the stock model, so the model is a copy of stories260K, untied, whose input embeddings of the
     * byte tokens of "Ж" are NaN: only the example holding them (the third, with batch size 1 and
     * no shuffle) gives a NaN loss.
     */
    @Test
    void shouldSkipStepAndContinueWhenLossIsNotFinite(@TempDir Path output) throws Exception {
        List<String> clean =
                Files.readAllLines(RecipeFixtures.DATA.resolve("tiny_chat_train.jsonl"))
                        .subList(0, 5);
        Set<Long> cleanIds = new HashSet<>();
        for (String line : clean) {
            for (long id : Stories260K.tokenizer().encode(line, true)) {
                cleanIds.add(id);
            }
        }
        Set<Long> poisonIds = new HashSet<>();
        for (long id : Stories260K.tokenizer().encode("ЖЖЖ", false)) {
            if (!cleanIds.contains(id)) {
                poisonIds.add(id);
            }
        }
        assertThat(poisonIds).isNotEmpty();
        Path model = poisonedModel(output.resolve("model"), poisonIds);
        List<String> data = new ArrayList<>(clean);
        data.add(
                2,
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Who is Tim?\"},"
                        + " {\"role\": \"assistant\", \"content\": \"Tim is ЖЖЖ.\"}]}");
        Files.write(output.resolve("train.jsonl"), data);
        TrainingConfig config =
                TrainingConfig.parse(
                        """
                        method: sft
                        model: %s
                        output_dir: %s
                        seed: 3
                        data: {train: %s, validation: %s, max_seq_length: 96, packing: false,
                               shuffle: false}
                        lora: {r: 4, alpha: 8}
                        optimizer: {lr: 1.0e-2}
                        training: {max_steps: 6, batch_size: 1}
                        stability: {spike_factor: 0}
                        """
                                .formatted(
                                        model,
                                        output.resolve("out"),
                                        output.resolve("train.jsonl"),
                                        RecipeFixtures.DATA
                                                .resolve("tiny_chat_validation.jsonl")
                                                .toAbsolutePath()));
        RecipeFixtures.Recorder events = new RecipeFixtures.Recorder();

        TrainingResult result = new SftRecipe(config).run(events);

        var skipped = events.of(TrainingEvent.StepSkipped.class);
        assertThat(skipped).hasSize(1);
        assertThat(skipped.get(0).step()).isEqualTo(3);
        assertThat(skipped.get(0).reason()).isEqualTo(TrainingEvent.SkipReason.NON_FINITE_LOSS);
        assertThat(skipped.get(0).loss()).isNaN();
        assertThat(events.of(TrainingEvent.StepMetrics.class))
                .extracting(TrainingEvent.StepMetrics::step)
                .containsExactly(1, 2, 4, 5, 6);
        assertThat(events.trainLosses()).allMatch(Double::isFinite);
        assertThat(result.steps()).isEqualTo(6);
        assertThat(result.lastTrainLoss()).isFinite();
        assertThat(result.validationLoss()).isFinite();
    }

    /** stories260K, untied, with NaN input embeddings for the given tokens. */
    private static Path poisonedModel(Path dir, Set<Long> poisonIds) throws Exception {
        Files.createDirectories(dir);
        for (String name :
                List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(Stories260K.DIR.resolve(name), dir.resolve(name));
        }
        String config = Files.readString(Stories260K.DIR.resolve("config.json"));
        assertThat(config).contains("\"tie_word_embeddings\": true");
        Files.writeString(
                dir.resolve("config.json"),
                config.replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
        SafetensorsFile base = SafetensorsFile.open(Stories260K.DIR.resolve("model.safetensors"));
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : base.tensors().keySet()) {
                tensors.put(name, base.load(manager, name));
            }
            NDArray embeddings = tensors.get("model.embed_tokens.weight");
            tensors.put("lm_head.weight", embeddings.duplicate());
            for (long id : poisonIds) {
                embeddings.set(new NDIndex(id), Float.NaN);
            }
            SafetensorsFile.write(
                    dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        }
        return dir;
    }

    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }
}
