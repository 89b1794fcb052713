package dev.anneal.bench;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/** A step is one greedy generation request of a fixed length with the KV cache. */
final class GenerationWorkload implements Workload {

    private final NDManager manager;
    private final TextTokenizer tokenizer;
    private final Generator generator;
    private final long[] promptIds;
    private final GenerationConfig config;

    GenerationWorkload(Path modelDir, long[] promptIds, int newTokens) throws IOException {
        this.manager = NDManager.newBaseManager();
        this.tokenizer = TextTokenizer.load(modelDir);
        this.generator = new Generator(HfModelLoader.load(modelDir, manager), tokenizer);
        this.promptIds = promptIds;
        this.config = GenerationConfig.builder().optMaxNewTokens(newTokens).build();
    }

    @Override
    public String describe() {
        return "one greedy generation of " + config.maxNewTokens() + " tokens with the KV cache";
    }

    @Override
    public void run(int steps, IntConsumer afterStep) {
        for (int step = 1; step <= steps; step++) {
            generator.generate(promptIds, config);
            afterStep.accept(step);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
