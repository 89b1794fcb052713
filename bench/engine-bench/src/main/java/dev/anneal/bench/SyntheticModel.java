package dev.anneal.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.tuner.checkpoint.HfCheckpoint;
import dev.anneal.tuner.checkpoint.SafetensorsFile;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A randomly initialised LLaMA in a Hugging Face folder of its own, with a word-level tokenizer
 * ({@code w3 ... w<vocab-1>}) and a pre-training set of random words, so that the training bench
 * runs the product's recipe on it and the serving bench serves it: {@code config.json}, {@code
 * model.safetensors} (matrices normal with std 0.02, norms 1, from a fixed seed), {@code
 * tokenizer.json} and {@code train.jsonl}, in a temporary folder deleted on close.
 *
 * <p>Each line of the data is {@code seq} random words, which the pre-training recipe turns into
 * {@code seq + 1} tokens (the text, EOS): one row of {@code seq} positions, every label counted.
 */
public final class SyntheticModel implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FIRST_WORD = 3;

    /**
     * The shape of a bench model: a LLaMA with {@code hidden / heads} head dimensions, the output
     * head tied to the embeddings, trained on batches of {@code batch} rows of {@code seq}; {@code
     * seq} is also its {@code max_position_embeddings}.
     */
    public record Size(
            String name,
            int hidden,
            int layers,
            int heads,
            int kvHeads,
            int intermediate,
            int vocab,
            int seq,
            int batch) {

        /** The model's {@code config.json}. */
        public String configJson() {
            ObjectNode config = JSON.createObjectNode();
            config.putArray("architectures").add("LlamaForCausalLM");
            config.put("model_type", "llama")
                    .put("hidden_size", hidden)
                    .put("intermediate_size", intermediate)
                    .put("num_hidden_layers", layers)
                    .put("num_attention_heads", heads)
                    .put("num_key_value_heads", kvHeads)
                    .put("vocab_size", vocab)
                    .put("max_position_embeddings", seq)
                    .put("rms_norm_eps", 1e-5)
                    .put("rope_theta", 10000.0)
                    .put("tie_word_embeddings", true)
                    .put("hidden_act", "silu")
                    .put("bos_token_id", 1)
                    .put("eos_token_id", 2)
                    .put("torch_dtype", "float32");
            return config.toPrettyString();
        }

        /** Arguments of {@code python/train_reference.py} for the same model and batch. */
        public List<String> referenceArguments() {
            return List.of(
                    "--hidden", Integer.toString(hidden),
                    "--layers", Integer.toString(layers),
                    "--heads", Integer.toString(heads),
                    "--kv-heads", Integer.toString(kvHeads),
                    "--intermediate", Integer.toString(intermediate),
                    "--vocab", Integer.toString(vocab),
                    "--seq", Integer.toString(seq),
                    "--batch", Integer.toString(batch));
        }
    }

    private final Path dir;
    private final long parameters;

    /**
     * Writes the folder.
     *
     * @param size the model
     * @param rows lines of training data to write, 0 for none
     * @param seed the seed of the weights and the data
     */
    public SyntheticModel(Size size, int rows, long seed) throws IOException {
        this.dir = Files.createTempDirectory("anneal-synthetic-model");
        Files.writeString(dir.resolve("config.json"), size.configJson());
        Random random = new Random(seed);
        LlamaConfig config = LlamaConfig.load(dir);
        long count = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Shape> shapes =
                    LlamaForCausalLM.builder()
                            .setConfig(config)
                            .setManager(manager)
                            .build()
                            .baseParameterShapes();
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
                Shape shape = entry.getValue();
                float[] values = new float[Math.toIntExact(shape.size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] =
                            shape.dimension() >= 2 ? (float) (random.nextGaussian() * 0.02) : 1f;
                }
                tensors.put(entry.getKey(), manager.create(values, shape));
                count += values.length;
            }
            SafetensorsFile.write(dir.resolve(HfCheckpoint.SINGLE_FILE), tensors, Map.of());
        }
        this.parameters = count;
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(size.vocab()));
        List<String> lines = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            StringBuilder text = new StringBuilder();
            for (int t = 0; t < size.seq(); t++) {
                text.append(t == 0 ? "" : " ")
                        .append('w')
                        .append(FIRST_WORD + random.nextInt(size.vocab() - FIRST_WORD));
            }
            lines.add(JSON.createObjectNode().put("text", text.toString()).toString());
        }
        Files.write(trainFile(), lines);
    }

    /** A word-level tokenizer: {@code <unk> <s> </s>}, then {@code w3 ... w<vocab-1>}. */
    private static String tokenizerJson(int vocab) {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        var added = root.putArray("added_tokens");
        String[] special = {"<unk>", "<s>", "</s>"};
        ObjectNode words = JSON.createObjectNode();
        for (int id = 0; id < vocab; id++) {
            String token = id < FIRST_WORD ? special[id] : "w" + id;
            words.put(token, id);
            if (id < FIRST_WORD) {
                added.addObject()
                        .put("id", id)
                        .put("content", token)
                        .put("single_word", false)
                        .put("lstrip", false)
                        .put("rstrip", false)
                        .put("normalized", false)
                        .put("special", true);
            }
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model").put("type", "WordLevel");
        model.set("vocab", words);
        model.put("unk_token", "<unk>");
        return root.toString();
    }

    /** The Hugging Face folder. */
    public Path dir() {
        return dir;
    }

    /** The pre-training data, one {@code {"text"}} line per row. */
    public Path trainFile() {
        return dir.resolve("train.jsonl");
    }

    /** Elements of the base model, the tied embeddings counted once. */
    public long parameters() {
        return parameters;
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
