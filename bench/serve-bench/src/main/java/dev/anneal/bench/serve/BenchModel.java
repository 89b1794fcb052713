package dev.anneal.bench.serve;

import dev.anneal.bench.SyntheticModel;
import dev.anneal.tuner.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A model the serving bench runs, with the prompt it gives it: {@code stories260K} from the
 * repository, or a LLaMA of a realistic shape with random weights written by {@link SyntheticModel}
 * into a temporary folder (deleted on close).
 *
 * <ul>
 *   <li>{@code 26m}: hidden 384, 8 layers, 6 heads of 64, intermediate 1,024, vocabulary 32,000,
 *       context 1,024 (26.5M parameters, 12.3M of them the embeddings tied to the output head)
 *   <li>{@code 110m}: llama2.c's {@code stories110M} shape: hidden 768, 12 layers, 12 heads of 64,
 *       intermediate 2,048, vocabulary 32,000, context 1,024 (109.5M parameters)
 * </ul>
 *
 * The random models' tokenizer is {@link SyntheticModel}'s word-level one; their prompt is 16 of
 * its words, 16 tokens. The prompt of {@code stories260K} is "Once upon a time", 5 tokens with BOS.
 */
final class BenchModel implements AutoCloseable {

    /** The models, smallest first. */
    static final List<String> NAMES = List.of("stories260K", "26m", "110m");

    private static final Map<String, SyntheticModel.Size> SIZES =
            Map.of(
                    "26m", new SyntheticModel.Size("26m", 384, 8, 6, 6, 1024, 32_000, 1024, 1),
                    "110m",
                            new SyntheticModel.Size(
                                    "110m", 768, 12, 12, 12, 2048, 32_000, 1024, 1));

    private static final String RANDOM_PROMPT =
            IntStream.range(0, 16)
                    .mapToObj(i -> "w" + (1000 + 37 * i))
                    .collect(Collectors.joining(" "));

    private final String name;
    private final Path dir;
    private final SyntheticModel synthetic;
    private final String prompt;
    private final long parameters;
    private final long weightBytesPerToken;
    private final int contextLength;

    private BenchModel(String name, Path dir, SyntheticModel synthetic, String prompt)
            throws IOException {
        this.name = name;
        this.dir = dir;
        this.synthetic = synthetic;
        this.prompt = prompt;
        LlamaConfig config = LlamaConfig.load(dir);
        this.contextLength = config.maxPositionEmbeddings();
        this.parameters = config.parameterCount();
        // Each decoded token reads every matrix once, the output head whole; of the embeddings
        // only one row, unless they are the head.
        long embeddings = (long) config.vocabSize() * config.hiddenSize();
        this.weightBytesPerToken =
                Float.BYTES * (config.tieWordEmbeddings() ? parameters : parameters - embeddings);
    }

    /**
     * Opens a model by name, writing a random one first.
     *
     * @param name one of {@link #NAMES}
     * @param stories260K the folder of {@code stories260K}
     * @throws IllegalArgumentException if the name is unknown
     */
    static BenchModel open(String name, Path stories260K) throws IOException {
        if (name.equals("stories260K")) {
            return new BenchModel(name, stories260K, null, "Once upon a time");
        }
        SyntheticModel.Size size = SIZES.get(name);
        if (size == null) {
            throw new IllegalArgumentException(
                    "unknown model '" + name + "'; models: " + String.join(", ", NAMES));
        }
        SyntheticModel model = new SyntheticModel(size, 0, 42);
        try {
            return new BenchModel(name, model.dir(), model, RANDOM_PROMPT);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Its name in the tables. */
    String name() {
        return name;
    }

    /** Its Hugging Face folder. */
    Path dir() {
        return dir;
    }

    /** The text every stream continues. */
    String prompt() {
        return prompt;
    }

    /** The most tokens a sequence may hold: {@code max_position_embeddings}. */
    int contextLength() {
        return contextLength;
    }

    /** Elements of the base model, tied embeddings counted once. */
    long parameters() {
        return parameters;
    }

    /**
     * Bytes of float32 weights one decoding step reads: every projection, the norms and the output
     * head; the roofline's numerator.
     */
    long weightBytesPerToken() {
        return weightBytesPerToken;
    }

    @Override
    public void close() throws IOException {
        if (synthetic != null) {
            synthetic.close();
        }
    }
}
