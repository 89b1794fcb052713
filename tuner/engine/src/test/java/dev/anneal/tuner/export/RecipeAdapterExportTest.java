package dev.anneal.tuner.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.recipe.Recipe;
import dev.anneal.tuner.recipe.RunOptions;
import dev.anneal.tuner.recipe.TrainingResult;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeAdapterExportTest {

    private static TrainingConfig tinyLoraSft(Path output) throws Exception {
        Path data = Path.of("recipes", "data");
        return TrainingConfig.parse(
                "method: sft\nmodel: "
                        + Stories260K.DIR.toAbsolutePath()
                        + "\noutput_dir: "
                        + output
                        + "\nseed: 3\ndata:\n  train: "
                        + data.resolve("tiny_chat_train.jsonl").toAbsolutePath()
                        + "\n  max_seq_length: 64\n"
                        + "lora: {r: 2, alpha: 4, dropout: 0.0, target_modules: [q_proj, v_proj]}\n"
                        + "optimizer: {lr: 5.0e-3}\n"
                        + "training: {max_steps: 3, batch_size: 2, checkpoint_every: 0}\n");
    }

    @Test
    void shouldLeavePeftAdapterWhenLoraRunFinishes(@TempDir Path output) throws Exception {
        TrainingConfig config = tinyLoraSft(output);

        TrainingResult result = Recipe.of(config).run(event -> {});

        Path adapterDir = output.resolve(Recipe.ADAPTER_DIR);
        assertThat(adapterDir.resolve(PeftAdapter.CONFIG_FILE)).exists();
        try (NDManager manager = NDManager.newBaseManager()) {
            PeftAdapter adapter = PeftAdapter.load(adapterDir, manager);
            assertThat(adapter.config())
                    .isEqualTo(
                            LoraConfig.rank(2).withAlpha(4).withTargetModules("q_proj", "v_proj"));
            assertThat(Path.of(adapter.baseModelNameOrPath()))
                    .isEqualTo(Stories260K.DIR.toAbsolutePath().normalize());
            SafetensorsFile trained =
                    SafetensorsFile.open(result.checkpoint().resolve(TrainingState.WEIGHTS_FILE));
            String b = "model.layers.2.self_attn.v_proj.lora_B.weight";
            float[] exported = adapter.weights().get(b).toFloatArray();
            assertThat(exported).containsExactly(trained.load(manager, b).toFloatArray());
            assertThat(exported).isNotEqualTo(new float[exported.length]);
            LlamaForCausalLM model = PeftAdapter.loadModel(Stories260K.DIR, adapterDir, manager);
            assertThat(PeftAdapterTest.logits(model))
                    .isNotEqualTo(PeftAdapterTest.logits(Stories260K.model()));
        }
    }

    @Test
    void shouldNotWriteAdapterWhenRunStopsBeforeMaxSteps(@TempDir Path output) throws Exception {
        Recipe.of(tinyLoraSft(output)).run(event -> {}, new RunOptions(null, 1));

        assertThat(Files.exists(output.resolve(Recipe.ADAPTER_DIR))).isFalse();
    }
}
