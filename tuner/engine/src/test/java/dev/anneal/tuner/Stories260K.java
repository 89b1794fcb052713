package dev.anneal.tuner;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The stories260K fixture (a real 260K-parameter LLaMA in the Hugging Face layout with llama2.c
 * reference output), loaded once per test JVM.
 */
public final class Stories260K {

    /** The fixture folder, from the tuner module's directory. */
    public static final Path DIR = Path.of("models", "stories260K");

    private static NDManager manager;
    private static LlamaForCausalLM model;
    private static TextTokenizer tokenizer;

    private Stories260K() {}

    /** The model, loaded on first use and kept for the JVM's life. */
    public static synchronized LlamaForCausalLM model() {
        if (model == null) {
            manager = NDManager.newBaseManager();
            try {
                model = HfModelLoader.load(DIR, manager);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }

    /** The tokenizer, loaded on first use and kept for the JVM's life. */
    public static synchronized TextTokenizer tokenizer() {
        if (tokenizer == null) {
            try {
                tokenizer = TextTokenizer.load(DIR);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    /** The 65 ids of llama2.c's greedy decoding of "Once upon a time", prompt included. */
    public static long[] expectedGreedyIds() throws IOException {
        String ids = Files.readString(DIR.resolve("expected-greedy-once-upon-a-time.ids"));
        return Arrays.stream(ids.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
    }

    /** llama2.c's decoded text of those ids, without the file's final newline. */
    public static String expectedGreedyText() throws IOException {
        String text = Files.readString(DIR.resolve("expected-greedy-once-upon-a-time.txt"));
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }
}
