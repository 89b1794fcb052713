package dev.anneal.tuner.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes small safetensors files for tests, independently of the reader under test. */
final class SafetensorsWriter {

    /**
     * A tensor to write.
     *
     * @param dtype F32, F16, BF16, I64, ...
     * @param shape the shape
     * @param data the raw little-endian bytes
     */
    record Tensor(String dtype, long[] shape, byte[] data) {}

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    SafetensorsWriter add(String name, Tensor tensor) {
        tensors.put(name, tensor);
        return this;
    }

    SafetensorsWriter f32(String name, long[] shape, float... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            bytes.putFloat(value);
        }
        return add(name, new Tensor("F32", shape, bytes.array()));
    }

    SafetensorsWriter bits16(String name, String dtype, long[] shape, int... halves) {
        ByteBuffer bytes = ByteBuffer.allocate(halves.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int half : halves) {
            bytes.putShort((short) half);
        }
        return add(name, new Tensor(dtype, shape, bytes.array()));
    }

    void write(Path file) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            Tensor tensor = entry.getValue();
            String shape =
                    Arrays.stream(tensor.shape())
                            .mapToObj(Long::toString)
                            .collect(Collectors.joining(","));
            header.append(",\"")
                    .append(entry.getKey())
                    .append("\":{\"dtype\":\"")
                    .append(tensor.dtype())
                    .append("\",\"shape\":[")
                    .append(shape)
                    .append("],\"data_offsets\":[")
                    .append(offset)
                    .append(",")
                    .append(offset + tensor.data().length)
                    .append("]}");
            offset += tensor.data().length;
        }
        header.append("}");
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(
                    ByteBuffer.allocate(8)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(json.length)
                            .array());
            out.write(json);
            for (Tensor tensor : tensors.values()) {
                out.write(tensor.data());
            }
        }
    }
}
