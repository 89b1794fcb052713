package dev.anneal.tuner.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.checkpoint.HfCheckpoint;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.lora.LoraConfig;
import dev.anneal.tuner.lora.LoraProjections;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedWeightsTest {

    @Test
    void shouldGiveAdaptedLogitsWhenMergedWeightsLoadWithoutLora(@TempDir Path dir)
            throws Exception {
        LoraConfig config =
                LoraConfig.rank(4).withAlpha(16).withTargetModules(LoraConfig.ALL_MODULES);
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections = new LoraProjections(config, manager);
            LlamaForCausalLM adapted = HfModelLoader.load(Stories260K.DIR, manager, projections);
            PeftAdapterTest.randomise(projections, manager, 5);
            float[] expected = PeftAdapterTest.logits(adapted);

            MergedWeights.save(dir, adapted, projections, Stories260K.DIR);
            LlamaForCausalLM merged = HfModelLoader.load(dir, manager);
            float[] actual = PeftAdapterTest.logits(merged);

            assertThat(actual).containsExactly(expected, within(1e-4f));
            float[] base = PeftAdapterTest.logits(Stories260K.model());
            double largestChange = 0;
            for (int i = 0; i < base.length; i++) {
                largestChange = Math.max(largestChange, Math.abs(base[i] - expected[i]));
            }
            assertThat(largestChange).isGreaterThan(0.01);
            assertThat(dir.resolve("config.json"))
                    .hasSameTextualContentAs(Stories260K.DIR.resolve("config.json"));
            assertThat(dir.resolve("tokenizer.json")).exists();
            assertThat(dir.resolve("generation_config.json")).exists();
            assertThat(
                            SafetensorsFile.open(dir.resolve(HfCheckpoint.SINGLE_FILE))
                                    .tensors()
                                    .keySet())
                    .contains("model.layers.0.self_attn.q_proj.weight")
                    .noneMatch(name -> name.contains("lora"));
            assertThat(Files.exists(dir.resolve(HfCheckpoint.INDEX_FILE))).isFalse();
        }
    }

    @Test
    void shouldMergeLoadedPeftAdapterLikeLiveOne(@TempDir Path dir) throws Exception {
        LoraConfig config = LoraConfig.rank(2).withAlpha(4).withTargetModules("o_proj", "up_proj");
        try (NDManager manager = NDManager.newBaseManager()) {
            LoraProjections projections = new LoraProjections(config, manager);
            HfModelLoader.load(Stories260K.DIR, manager, projections);
            PeftAdapterTest.randomise(projections, manager, 6);
            PeftAdapter.save(dir.resolve("adapter"), projections, "stories260K");

            MergedWeights.mergeAdapter(
                    Stories260K.DIR, dir.resolve("adapter"), dir.resolve("merged"));

            LlamaForCausalLM model =
                    PeftAdapter.loadModel(Stories260K.DIR, dir.resolve("adapter"), manager);
            assertThat(PeftAdapterTest.logits(HfModelLoader.load(dir.resolve("merged"), manager)))
                    .containsExactly(PeftAdapterTest.logits(model), within(1e-4f));
        }
    }
}
