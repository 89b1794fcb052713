package dev.anneal.tuner.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.Stories260K;
import dev.anneal.tuner.generate.GenerationConfig;
import dev.anneal.tuner.generate.Generator;
import dev.anneal.tuner.model.LlamaForCausalLM;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfModelLoaderTest {

    @TempDir Path dir;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void shouldReproduceReferenceWhenWeightsAreSharded() throws Exception {
        Map<String, SafetensorsWriter.Tensor> tensors = storiesTensors();
        List<String> names = new ArrayList<>(tensors.keySet());
        SafetensorsWriter first = new SafetensorsWriter();
        SafetensorsWriter second = new SafetensorsWriter();
        StringBuilder weightMap = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            boolean inFirst = i < names.size() / 2;
            (inFirst ? first : second).add(names.get(i), tensors.get(names.get(i)));
            String shard =
                    inFirst
                            ? "model-00001-of-00002.safetensors"
                            : "model-00002-of-00002.safetensors";
            weightMap.append(i == 0 ? "" : ",").append('"').append(names.get(i)).append("\":\"");
            weightMap.append(shard).append('"');
        }
        first.write(dir.resolve("model-00001-of-00002.safetensors"));
        second.write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(
                dir.resolve(HfCheckpoint.INDEX_FILE), "{\"weight_map\":{" + weightMap + "}}");
        Files.copy(Stories260K.DIR.resolve("config.json"), dir.resolve("config.json"));

        LlamaForCausalLM model = HfModelLoader.load(dir, manager);
        long[] ids =
                new Generator(model, Stories260K.tokenizer())
                        .generate(
                                "Once upon a time",
                                GenerationConfig.builder().optMaxNewTokens(60).build())
                        .allIds();

        assertThat(ids).containsExactly(Stories260K.expectedGreedyIds());
    }

    @Test
    void shouldLoadBf16WeightsAsFloat32WhenCheckpointIsBf16() throws Exception {
        SafetensorsWriter writer = new SafetensorsWriter();
        storiesTensors().forEach((name, tensor) -> writer.add(name, toBf16(tensor)));
        writer.write(dir.resolve("model.safetensors"));
        Files.copy(Stories260K.DIR.resolve("config.json"), dir.resolve("config.json"));

        LlamaForCausalLM model = HfModelLoader.load(dir, manager);

        float[] original =
                Stories260K.model().stateDict().get("model.norm.weight").getArray().toFloatArray();
        float[] loaded = model.stateDict().get("model.norm.weight").getArray().toFloatArray();
        for (int i = 0; i < original.length; i++) {
            int truncated = Float.floatToIntBits(original[i]) & 0xffff0000;
            assertThat(loaded[i]).isEqualTo(Float.intBitsToFloat(truncated));
        }
        GenerationConfig fiveTokens = GenerationConfig.builder().optMaxNewTokens(5).build();
        assertThat(
                        new Generator(model, Stories260K.tokenizer())
                                .generate("Once upon a time", fiveTokens)
                                .generatedIds())
                .hasSize(5);
    }

    @Test
    void shouldNameTensorAndFileWhenModelTensorIsMissing() throws Exception {
        SafetensorsWriter writer = new SafetensorsWriter();
        storiesTensors().entrySet().stream()
                .filter(entry -> !entry.getKey().equals("model.layers.3.mlp.up_proj.weight"))
                .forEach(entry -> writer.add(entry.getKey(), entry.getValue()));
        writer.write(dir.resolve("model.safetensors"));
        Files.copy(Stories260K.DIR.resolve("config.json"), dir.resolve("config.json"));

        assertThatThrownBy(() -> HfModelLoader.load(dir, manager))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'model.layers.3.mlp.up_proj.weight'")
                .hasMessageContaining(dir.resolve("model.safetensors").toString());
    }

    @Test
    void shouldNameTensorAndShapesWhenShapeContradictsConfig() throws Exception {
        Files.copy(Stories260K.DIR.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(Stories260K.DIR.resolve("config.json"));
        Files.writeString(
                dir.resolve("config.json"),
                config.replace("\"intermediate_size\": 172", "\"intermediate_size\": 128"));

        assertThatThrownBy(() -> HfModelLoader.load(dir, manager))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'model.layers.0.mlp.gate_proj.weight'")
                .hasMessageContaining("(172, 64)")
                .hasMessageContaining("(128, 64)");
    }

    /** The raw tensors of stories260K, read with a parser independent of the one under test. */
    private static Map<String, SafetensorsWriter.Tensor> storiesTensors() throws IOException {
        byte[] file = Files.readAllBytes(Stories260K.DIR.resolve("model.safetensors"));
        ByteBuffer buffer = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) buffer.getLong();
        JsonNode header = new ObjectMapper().readTree(new String(file, 8, headerLength, "UTF-8"));
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode info = entry.getValue();
            long[] shape = new long[info.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = info.get("shape").get(i).asLong();
            }
            int begin = 8 + headerLength + info.get("data_offsets").get(0).asInt();
            int end = 8 + headerLength + info.get("data_offsets").get(1).asInt();
            tensors.put(
                    entry.getKey(),
                    new SafetensorsWriter.Tensor(
                            info.get("dtype").asText(),
                            shape,
                            Arrays.copyOfRange(file, begin, end)));
        }
        return tensors;
    }

    /** Truncates F32 to BF16, the upper half of each float. */
    private static SafetensorsWriter.Tensor toBf16(SafetensorsWriter.Tensor f32) {
        ByteBuffer in = ByteBuffer.wrap(f32.data()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(f32.data().length / 2).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            out.putShort((short) (in.getInt() >>> 16));
        }
        return new SafetensorsWriter.Tensor("BF16", f32.shape(), out.array());
    }
}
