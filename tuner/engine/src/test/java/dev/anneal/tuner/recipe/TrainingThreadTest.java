package dev.anneal.tuner.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingListener;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training does not depend on which thread started the engine. libtorch's grad mode is per thread
 * and on by default; DJL turns it off only on the thread that creates the engine, so a run on any
 * other thread (a worker slot, after serving started DJL) must set it itself.
 */
class TrainingThreadTest {

    @Test
    void shouldTrainWhenRunOnAThreadThatDidNotStartTheEngine(@TempDir Path output)
            throws Exception {
        Engine.getInstance(); // started here, on the test's thread
        TrainingConfig config =
                RecipeFixtures.config(
                        "sft",
                        "tiny_chat_train.jsonl",
                        null,
                        output,
                        """
                        seed: 3
                        DATA:
                          max_seq_length: 64
                        lora: {r: 2, alpha: 4, target_modules: [q_proj, v_proj]}
                        optimizer: {lr: 1.0e-3}
                        training: {max_steps: 2, batch_size: 2}
                        """);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<TrainingResult> result =
                    other.submit(() -> new SftRecipe(config).run(TrainingListener.NONE));

            assertThat(result.get().steps()).isEqualTo(2);
        } finally {
            other.shutdownNow();
        }
    }
}
