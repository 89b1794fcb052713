package dev.anneal.tuner.nano;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.anneal.tuner.checkpoint.HfModelLoader;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.GenerationResult;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.model.LlamaForCausalLM;
import dev.anneal.tuner.recipe.SftRecipe;
import dev.anneal.tuner.tokenizer.ChatMessage;
import dev.anneal.tuner.tokenizer.ChatTemplate;
import dev.anneal.tuner.tokenizer.EncodedChat;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import dev.anneal.tuner.train.TrainingConfig;
import dev.anneal.tuner.train.TrainingEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnnealNanoTest {

    /**
     * Pinned: the weights must be the same bytes on every JVM and machine, today and later. An
     * independent SplitMix64 and Box-Muller in Python (NumPy, the C library's log and cos) gave the
     * same file.
     */
    private static final String WEIGHTS_SHA256 =
            "b660b94e6245a2fdfa5ff77b4fe80748ce1132fcf04c128cc3ff5dceacb49b22";

    private static final List<String> FILES =
            List.of(
                    "config.json",
                    "generation_config.json",
                    "model.safetensors",
                    "tokenizer.json",
                    "tokenizer_config.json",
                    "README.md");

    @Test
    void shouldWriteSameBytesWhenMaterializedInTwoFolders(@TempDir Path dir) throws Exception {
        Path first = AnnealNano.materialize(dir.resolve("a"));
        Path second = AnnealNano.materialize(dir.resolve("b"));

        assertThat(first).isEqualTo(dir.resolve("a").resolve(AnnealNano.ID));
        assertThat(sha256(first.resolve("model.safetensors")))
                .isEqualTo(sha256(second.resolve("model.safetensors")))
                .isEqualTo(WEIGHTS_SHA256);
        for (String file : FILES) {
            assertThat(first.resolve(file)).as(file).hasSameBinaryContentAs(second.resolve(file));
        }
    }

    @Test
    void shouldReuseFolderWhenItIsComplete(@TempDir Path dir) throws Exception {
        Path model = AnnealNano.materialize(dir);
        Object weightsFile = fileKey(model.resolve("model.safetensors"));

        assertThat(AnnealNano.materialize(dir)).isEqualTo(model);
        assertThat(fileKey(model.resolve("model.safetensors"))).isEqualTo(weightsFile);
    }

    @Test
    void shouldRewriteFolderWhenCrashLeftIncompleteOrScratchFiles(@TempDir Path dir)
            throws Exception {
        Path expected = AnnealNano.materialize(dir.resolve("reference"));
        Path cache = dir.resolve("cache");
        Path model = cache.resolve(AnnealNano.ID);
        Files.createDirectories(model);
        Files.copy(expected.resolve("config.json"), model.resolve("config.json"));
        Files.writeString(model.resolve("model.safetensors"), "half a file");
        Path scratch = Files.createDirectories(cache.resolve(".anneal-nano.tmp-123"));
        Files.writeString(scratch.resolve("tokenizer.json"), "{");

        assertThat(AnnealNano.materialize(cache)).isEqualTo(model);

        for (String file : FILES) {
            assertThat(model.resolve(file)).as(file).hasSameBinaryContentAs(expected.resolve(file));
        }
        assertThat(scratch).doesNotExist();
    }

    @Test
    void shouldLeaveOneCompleteFolderWhenCalledConcurrently(@TempDir Path dir) throws Exception {
        Path expected = AnnealNano.materialize(dir.resolve("reference"));
        Path cache = dir.resolve("cache");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Path>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                calls.add(pool.submit(() -> AnnealNano.materialize(cache)));
            }
            for (Future<Path> call : calls) {
                assertThat(call.get()).isEqualTo(cache.resolve(AnnealNano.ID));
            }
        } finally {
            pool.shutdown();
        }

        for (String file : FILES) {
            assertThat(cache.resolve(AnnealNano.ID).resolve(file))
                    .hasSameBinaryContentAs(expected.resolve(file));
        }
        try (Stream<Path> entries = Files.list(cache)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(AnnealNano.ID, ".anneal-nano.lock");
        }
    }

    @Test
    void shouldLoadAsLlamaWhenReadByTheEngine(@TempDir Path dir) throws Exception {
        Path folder = AnnealNano.materialize(dir);
        LlamaConfig config = LlamaConfig.load(folder);

        assertThat(config.modelType()).isEqualTo("llama");
        assertThat(config.vocabSize()).isEqualTo(261);
        assertThat(config.eosTokenIds()).containsExactly(257L);
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaForCausalLM model = HfModelLoader.load(folder, manager);
            long parameters =
                    model.baseParameterShapes().values().stream().mapToLong(s -> s.size()).sum();
            assertThat(parameters).isEqualTo(215_232);
        }
    }

    @Test
    void shouldMapEachByteToOneTokenAndRoundTripWhenEncodingText(@TempDir Path dir)
            throws Exception {
        String text = "héllo wörld 🙂\n";
        StringBuilder ascii = new StringBuilder();
        for (char c = 0; c < 128; c++) {
            ascii.append(c);
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(AnnealNano.materialize(dir))) {
            for (String sample : List.of(text, ascii.toString(), "  two\tspaces\r\n\n")) {
                byte[] bytes = sample.getBytes(StandardCharsets.UTF_8);
                long[] ids = tokenizer.encode(sample, false);
                assertThat(ids).hasSameSizeAs(bytes);
                for (int i = 0; i < bytes.length; i++) {
                    assertThat(ids[i]).isEqualTo(bytes[i] & 0xff);
                }
                assertThat(tokenizer.decode(tokenizer.encode(sample))).isEqualTo(sample);
            }
            assertThat(tokenizer.encode(text)[0]).isEqualTo(256);
            assertThat(tokenizer.bosTokenId()).hasValue(256);
            List<String> specials = List.of("<s>", "</s>", "<pad>", "<|im_start|>", "<|im_end|>");
            for (int i = 0; i < specials.size(); i++) {
                assertThat(tokenizer.singleTokenId(specials.get(i))).hasValue(256 + i);
            }
        }
    }

    @Test
    void shouldMaskAssistantTokensWhenEncodingChat(@TempDir Path dir) throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(AnnealNano.materialize(dir))) {
            EncodedChat chat =
                    tokenizer.encodeChat(
                            List.of(
                                    ChatMessage.system("Be brief."),
                                    ChatMessage.user("Größe?"),
                                    ChatMessage.assistant("Klein 🙂")),
                            false);

            assertThat(tokenizer.chatTemplate().format()).isEqualTo(ChatTemplate.Format.CHATML);
            assertThat(tokenizer.chatTemplate().isDefault()).isFalse();
            assertThat(tokenizer.decode(chat.ids(), false))
                    .isEqualTo(
                            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nGröße?"
                                    + "<|im_end|>\n<|im_start|>assistant\nKlein 🙂<|im_end|>\n");
            List<Long> assistant = new ArrayList<>();
            for (int i = 0; i < chat.length(); i++) {
                if (chat.assistantMask()[i]) {
                    assistant.add(chat.ids()[i]);
                }
            }
            long[] masked = assistant.stream().mapToLong(Long::longValue).toArray();
            assertThat(tokenizer.decode(masked, false)).isEqualTo("Klein 🙂<|im_end|>");
        }
    }

    @Test
    void shouldLowerLossWhenFineTunedWithLora(@TempDir Path dir) throws Exception {
        List<Double> losses =
                train(dir, "lora: {r: 8, alpha: 16}\noptimizer: {lr: 1.0e-2, weight_decay: 0}");

        assertThat(losses.get(losses.size() - 1)).isLessThan(losses.get(0) - 0.5);
    }

    @Test
    void shouldLowerLossWhenFullyFineTuned(@TempDir Path dir) throws Exception {
        List<Double> losses = train(dir, "optimizer: {lr: 3.0e-3, weight_decay: 0}");

        assertThat(losses.get(losses.size() - 1)).isLessThan(losses.get(0) - 0.5);
    }

    @Test
    void shouldGenerateWhenAskedToChat(@TempDir Path dir) throws Exception {
        Path folder = AnnealNano.materialize(dir);
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(folder)) {
            Generator generator = new Generator(HfModelLoader.load(folder, manager), tokenizer);
            GenerationConfig config =
                    GenerationConfig.defaultsFrom(folder).optMaxNewTokens(16).build();

            GenerationResult result = generator.chat(List.of(ChatMessage.user("Hello!")), config);

            assertThat(result.generatedIds()).isNotEmpty().hasSizeLessThanOrEqualTo(16);
            assertThat(config.eosTokenIds()).containsExactlyInAnyOrder(257L, 260L);
        }
    }

    /** Trains on generated chat data for a few steps; returns the training losses. */
    private static List<Double> train(Path dir, String sections) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int a = 1; a <= 6; a++) {
            for (int b = 1; b <= 4; b++) {
                lines.add(
                        "{\"messages\": [{\"role\": \"user\", \"content\": \"%d+%d?\"},"
                                        .formatted(a, b)
                                + " {\"role\": \"assistant\", \"content\": \"%d\"}]}"
                                        .formatted(a + b));
            }
        }
        Path data = Files.write(dir.resolve("train.jsonl"), lines);
        TrainingConfig config =
                TrainingConfig.parse(
                        """
                        method: sft
                        model: %s
                        output_dir: %s
                        seed: 1
                        data: {train: %s, max_seq_length: 64, packing: false}
                        training: {max_steps: 12, batch_size: 8}
                        %s
                        """
                                .formatted(
                                        AnnealNano.materialize(dir.resolve("models")),
                                        dir.resolve("out"),
                                        data,
                                        sections));
        List<Double> losses = new ArrayList<>();
        new SftRecipe(config)
                .run(
                        event -> {
                            if (event instanceof TrainingEvent.StepMetrics step) {
                                losses.add(step.trainLoss());
                            }
                        });
        assertThat(losses).hasSize(12).allMatch(Double::isFinite);
        return losses;
    }

    private static Object fileKey(Path file) throws Exception {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
