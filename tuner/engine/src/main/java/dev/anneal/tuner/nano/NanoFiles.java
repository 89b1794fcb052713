package dev.anneal.tuner.nano;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The files of the {@code anneal-nano} folder, computed in memory: the same bytes on every JVM and
 * machine. JSON is written with a fixed key order, indentation and line separator; the weights come
 * from {@link SplittableRandom} (SplitMix64, whose output for a seed is fixed) through a Box-Muller
 * transform in {@link StrictMath}, whose results are specified to the bit.
 */
final class NanoFiles {

    static final int HIDDEN_SIZE = 64;
    static final int INTERMEDIATE_SIZE = 172;
    static final int NUM_LAYERS = 4;
    static final int NUM_HEADS = 4;
    static final int NUM_KV_HEADS = 2;
    static final int HEAD_DIM = HIDDEN_SIZE / NUM_HEADS;
    static final int MAX_POSITIONS = 512;

    /** Ids 0 to 255 are the bytes themselves; the special tokens follow, in this order. */
    static final List<String> SPECIAL_TOKENS =
            List.of("<s>", "</s>", "<pad>", "<|im_start|>", "<|im_end|>");

    static final int BOS_ID = 256;
    static final int EOS_ID = 257;
    static final int PAD_ID = 258;
    static final int IM_END_ID = 260;
    static final int VOCAB_SIZE = 256 + SPECIAL_TOKENS.size();

    /**
     * {@code initializer_range} of Hugging Face's LLaMA: every matrix is drawn from N(0, 0.02²).
     */
    private static final double INIT_STD = 0.02;

    private static final long SEED = 20_260_101L;

    /** ChatML without a default system message, which {@code ChatTemplate} renders as CHATML. */
    private static final String CHAT_TEMPLATE =
            "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
                    + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final String MODEL_CARD =
            """
            # anneal-nano

            A toy base model built into Anneal, so that a fresh install can run a fine-tuning job
            end to end with nothing downloaded. Its weights are random (a fixed seed), so it
            produces noise until it is fine-tuned, and even then it is far too small to be useful.

            - LLaMA architecture: hidden size 64, 4 layers, 4 query heads and 2 key/value heads
              (head size 16), SwiGLU width 172, untied output head, 215,232 parameters (float32).
            - Byte-level tokenizer: token i is byte i for i < 256; then <s>, </s>, <pad>,
              <|im_start|> and <|im_end|>. Chat template: ChatML.
            """;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final ObjectWriter JSON =
            MAPPER.writer(
                    new DefaultPrettyPrinter(
                                    Separators.createDefaultInstance()
                                            .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private NanoFiles() {}

    /** The folder's files by name, in writing order (weights first, {@code config.json} last). */
    static Map<String, byte[]> contents() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.safetensors", weights());
        files.put("tokenizer.json", json(tokenizer()));
        files.put("tokenizer_config.json", json(tokenizerConfig()));
        files.put("generation_config.json", json(generationConfig()));
        files.put("README.md", MODEL_CARD.getBytes(StandardCharsets.UTF_8));
        files.put("config.json", configJson());
        return files;
    }

    /** The folder's {@code config.json}, without making the rest. */
    static byte[] configJson() {
        return json(modelConfig());
    }

    private static ObjectNode modelConfig() {
        ObjectNode config = MAPPER.createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama");
        config.put("hidden_size", HIDDEN_SIZE);
        config.put("intermediate_size", INTERMEDIATE_SIZE);
        config.put("num_hidden_layers", NUM_LAYERS);
        config.put("num_attention_heads", NUM_HEADS);
        config.put("num_key_value_heads", NUM_KV_HEADS);
        config.put("head_dim", HEAD_DIM);
        config.put("vocab_size", VOCAB_SIZE);
        config.put("max_position_embeddings", MAX_POSITIONS);
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 10000.0);
        config.put("tie_word_embeddings", false);
        config.put("hidden_act", "silu");
        config.put("attention_bias", false);
        config.put("mlp_bias", false);
        config.put("initializer_range", INIT_STD);
        config.put("bos_token_id", BOS_ID);
        config.put("eos_token_id", EOS_ID);
        config.put("pad_token_id", PAD_ID);
        config.put("torch_dtype", "float32");
        return config;
    }

    private static ObjectNode generationConfig() {
        ObjectNode config = MAPPER.createObjectNode();
        config.put("bos_token_id", BOS_ID);
        config.putArray("eos_token_id").add(EOS_ID).add(IM_END_ID);
        config.put("pad_token_id", PAD_ID);
        return config;
    }

    private static ObjectNode tokenizerConfig() {
        ObjectNode config = MAPPER.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("bos_token", "<s>");
        config.put("eos_token", "</s>");
        config.put("pad_token", "<pad>");
        config.put("model_max_length", MAX_POSITIONS);
        config.put("clean_up_tokenization_spaces", false);
        config.put("chat_template", CHAT_TEMPLATE);
        return config;
    }

    /**
     * A byte-level BPE without merges: the ByteLevel pre-tokenizer maps each byte to one printable
     * character (GPT-2's table), and each such character is a token whose id is the byte's value.
     * The post-processor puts BOS first, like LLaMA's tokenizer.
     */
    private static ObjectNode tokenizer() {
        ObjectNode tokenizer = MAPPER.createObjectNode();
        tokenizer.put("version", "1.0");
        tokenizer.putNull("truncation");
        tokenizer.putNull("padding");
        ArrayNode added = tokenizer.putArray("added_tokens");
        for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
            added.addObject()
                    .put("id", 256 + i)
                    .put("content", SPECIAL_TOKENS.get(i))
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        tokenizer.putNull("normalizer");
        tokenizer.set("pre_tokenizer", byteLevel());
        ObjectNode post = tokenizer.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        post.set("single", MAPPER.createArrayNode().add(special("<s>", 0)).add(sequence("A", 0)));
        post.set(
                "pair",
                MAPPER.createArrayNode()
                        .add(special("<s>", 0))
                        .add(sequence("A", 0))
                        .add(special("<s>", 1))
                        .add(sequence("B", 1)));
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
        bos.put("id", "<s>");
        bos.putArray("ids").add(BOS_ID);
        bos.putArray("tokens").add("<s>");
        tokenizer.set("decoder", byteLevel());
        ObjectNode model = tokenizer.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        String[] chars = byteLevelChars();
        for (int b = 0; b < 256; b++) {
            vocab.put(chars[b], b);
        }
        model.putArray("merges");
        return tokenizer;
    }

    private static ObjectNode byteLevel() {
        return MAPPER.createObjectNode()
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", false)
                .put("use_regex", true);
    }

    private static ObjectNode special(String id, int typeId) {
        ObjectNode node = MAPPER.createObjectNode();
        node.putObject("SpecialToken").put("id", id).put("type_id", typeId);
        return node;
    }

    private static ObjectNode sequence(String id, int typeId) {
        ObjectNode node = MAPPER.createObjectNode();
        node.putObject("Sequence").put("id", id).put("type_id", typeId);
        return node;
    }

    /**
     * GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, the 68 others
     * for the code points from U+0100 on, in byte order.
     *
     * @return the character of each byte
     */
    private static String[] byteLevelChars() {
        String[] chars = new String[256];
        char next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable =
                    (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars[b] = String.valueOf(printable ? (char) b : next++);
        }
        return chars;
    }

    /**
     * The weights as a safetensors file: every matrix N(0, 0.02²) as Hugging Face initialises a
     * LLaMA, every RMSNorm weight 1, all float32, in the Hugging Face module order.
     */
    private static byte[] weights() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        int keyValueWidth = NUM_KV_HEADS * HEAD_DIM;
        shapes.put("model.embed_tokens.weight", new long[] {VOCAB_SIZE, HIDDEN_SIZE});
        for (int i = 0; i < NUM_LAYERS; i++) {
            String layer = "model.layers." + i + ".";
            shapes.put(layer + "self_attn.q_proj.weight", new long[] {HIDDEN_SIZE, HIDDEN_SIZE});
            shapes.put(layer + "self_attn.k_proj.weight", new long[] {keyValueWidth, HIDDEN_SIZE});
            shapes.put(layer + "self_attn.v_proj.weight", new long[] {keyValueWidth, HIDDEN_SIZE});
            shapes.put(layer + "self_attn.o_proj.weight", new long[] {HIDDEN_SIZE, HIDDEN_SIZE});
            shapes.put(layer + "mlp.gate_proj.weight", new long[] {INTERMEDIATE_SIZE, HIDDEN_SIZE});
            shapes.put(layer + "mlp.up_proj.weight", new long[] {INTERMEDIATE_SIZE, HIDDEN_SIZE});
            shapes.put(layer + "mlp.down_proj.weight", new long[] {HIDDEN_SIZE, INTERMEDIATE_SIZE});
            shapes.put(layer + "input_layernorm.weight", new long[] {HIDDEN_SIZE});
            shapes.put(layer + "post_attention_layernorm.weight", new long[] {HIDDEN_SIZE});
        }
        shapes.put("model.norm.weight", new long[] {HIDDEN_SIZE});
        shapes.put("lm_head.weight", new long[] {VOCAB_SIZE, HIDDEN_SIZE});

        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (Map.Entry<String, long[]> entry : shapes.entrySet()) {
            long bytes = (long) Float.BYTES * elements(entry.getValue());
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            info.put("shape", entry.getValue());
            info.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(entry.getKey(), info);
            offset += bytes;
        }
        byte[] json = compactJson(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer file =
                ByteBuffer.allocate(Math.toIntExact(8 + padded + offset))
                        .order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(padded).put(json);
        while (file.position() < 8 + padded) {
            file.put((byte) ' ');
        }
        SplittableRandom random = new SplittableRandom(SEED);
        for (Map.Entry<String, long[]> entry : shapes.entrySet()) {
            boolean norm = entry.getValue().length == 1;
            for (long i = elements(entry.getValue()); i > 0; i--) {
                file.putFloat(norm ? 1f : (float) (INIT_STD * gaussian(random)));
            }
        }
        return file.array();
    }

    /** One standard normal draw (Box-Muller, the cosine half). */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble(); // (0, 1]: the logarithm stays finite
        double v = random.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u)) * StrictMath.cos(2 * StrictMath.PI * v);
    }

    private static long elements(long[] shape) {
        long count = 1;
        for (long dimension : shape) {
            count *= dimension;
        }
        return count;
    }

    private static byte[] json(ObjectNode node) {
        try {
            return (JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write " + node, e);
        }
    }

    private static byte[] compactJson(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write " + value, e);
        }
    }
}
