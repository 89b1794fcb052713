package dev.anneal.tuner.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code .safetensors} file, read without DJL's decoder: an 8-byte little-endian header length,
 * a JSON header ({@code name: {dtype, shape, data_offsets}}), then the raw tensor bytes.
 *
 * <p>Every tensor is converted to float32 in Java before DJL sees it, whatever its stored type
 * (F32, F16 or BF16): DJL 0.36 aborts the JVM on bfloat16 arrays (see docs/djl-facts.md), and the
 * engine computes in float32 on CPU anyway. I64 tensors (token ids) are read as Java longs with
 * {@link #readLongs}. {@link #write} writes F32 and I64 tensors (training checkpoints, adapters).
 */
public final class SafetensorsFile {

    /** Tensors larger than this are built in slices along their first axis, then joined. */
    private static final long MAX_CHUNK_BYTES = 1L << 30;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;

    /** The file's bytes when it is held in memory, else {@code null} (read from {@link #path}). */
    private final ByteChunks memory;

    private final long dataStart;
    private final Map<String, TensorInfo> tensors;

    /**
     * A tensor's entry in the header.
     *
     * @param name the tensor's name
     * @param dtype the stored type: F32, F16 or BF16 (others are listed but cannot be loaded)
     * @param shape the tensor's shape
     * @param begin the first byte, relative to the end of the header
     * @param end one past the last byte, relative to the end of the header
     */
    public record TensorInfo(String name, String dtype, Shape shape, long begin, long end) {}

    private SafetensorsFile(
            Path path, ByteChunks memory, long dataStart, Map<String, TensorInfo> tensors) {
        this.path = path;
        this.memory = memory;
        this.dataStart = dataStart;
        this.tensors = tensors;
    }

    /**
     * Reads the header of a file.
     *
     * @param path the {@code .safetensors} file
     * @return the file with its tensor directory
     * @throws CheckpointException if the header is malformed
     * @throws IOException if the file cannot be read
     */
    public static SafetensorsFile open(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return parse(
                    path,
                    null,
                    channel.size(),
                    (buffer, position) -> readFully(channel, buffer, position, path));
        }
    }

    /**
     * Reads the header of a file held in memory, such as one unpacked from an encrypted archive;
     * its tensors are then loaded from those bytes, converted as from a file.
     *
     * @param bytes the file's bytes
     * @param name what messages call the file (e.g. the model id and the file's name)
     * @return the file with its tensor directory
     * @throws CheckpointException if the header is malformed
     */
    public static SafetensorsFile read(ByteChunks bytes, Path name) throws IOException {
        return parse(
                name,
                bytes,
                bytes.size(),
                (buffer, position) -> readFully(bytes, buffer, position, name));
    }

    /** Reads bytes at a position until the buffer is full. */
    @FunctionalInterface
    private interface Reader {
        void read(ByteBuffer buffer, long position) throws IOException;
    }

    private static SafetensorsFile parse(Path path, ByteChunks memory, long size, Reader reader)
            throws IOException {
        if (size < 8) {
            throw new CheckpointException(path + " is not a safetensors file (" + size + " bytes)");
        }
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        reader.read(length, 0);
        long headerLength = length.flip().getLong();
        if (headerLength <= 0 || headerLength > Math.min(size - 8, 100_000_000)) {
            throw new CheckpointException(
                    path + " is not a safetensors file (header length " + headerLength + ")");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        reader.read(header, 8);
        JsonNode root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!"__metadata__".equals(entry.getKey())) {
                TensorInfo info = tensorInfo(path, entry.getKey(), entry.getValue(), dataSize);
                tensors.put(info.name(), info);
            }
        }
        return new SafetensorsFile(path, memory, dataStart, Collections.unmodifiableMap(tensors));
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The tensors listed in the header, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * Loads one tensor as a float32 array.
     *
     * @param manager the manager that will own the array
     * @param name the tensor's name
     * @return the tensor, float32, with its stored shape
     * @throws CheckpointException if the tensor is absent or of a non-floating-point type
     * @throws IOException if the file cannot be read
     */
    public NDArray load(NDManager manager, String name) throws IOException {
        return load(manager, name, MAX_CHUNK_BYTES);
    }

    /** Loads one tensor, in slices of at most {@code maxChunkBytes} of float32 when larger. */
    NDArray load(NDManager manager, String name, long maxChunkBytes) throws IOException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException("Tensor '" + name + "' not found in " + path);
        }
        int width = floatWidth(info.dtype());
        if (width == 0) {
            throw new CheckpointException(
                    "Tensor '"
                            + name
                            + "' in "
                            + path
                            + " has dtype "
                            + info.dtype()
                            + "; weights must be F32, F16 or BF16");
        }
        Shape shape = info.shape();
        long rows = shape.dimension() == 0 ? 1 : shape.get(0);
        long rowElements = rows == 0 ? 0 : shape.size() / rows;
        long rowsPerChunk = Math.max(1, maxChunkBytes / Math.max(1, rowElements * Float.BYTES));
        if (rows <= rowsPerChunk) {
            return manager.create(read(info, width, 0, shape.size()), shape, DataType.FLOAT32);
        }
        NDList chunks = new NDList();
        try (NDManager scratch = manager.newSubManager()) {
            for (long row = 0; row < rows; row += rowsPerChunk) {
                long count = Math.min(rowsPerChunk, rows - row);
                ByteBuffer data = read(info, width, row * rowElements, count * rowElements);
                Shape chunkShape = new Shape(count).addAll(shape.slice(1));
                chunks.add(scratch.create(data, chunkShape, DataType.FLOAT32));
            }
            NDArray joined = NDArrays.concat(chunks, 0);
            joined.attach(manager);
            return joined;
        }
    }

    /**
     * Reads an I64 tensor, such as a batch of token ids.
     *
     * @param name the tensor's name
     * @return its elements in row-major order
     * @throws CheckpointException if the tensor is absent or not I64
     * @throws IOException if the file cannot be read
     */
    public long[] readLongs(String name) throws IOException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException("Tensor '" + name + "' not found in " + path);
        }
        if (!"I64".equals(info.dtype())) {
            throw new CheckpointException(
                    "Tensor '"
                            + name
                            + "' in "
                            + path
                            + " has dtype "
                            + info.dtype()
                            + ", not I64");
        }
        long count = info.shape().size();
        ByteBuffer raw =
                ByteBuffer.allocate(Math.toIntExact(count * Long.BYTES))
                        .order(ByteOrder.LITTLE_ENDIAN);
        readAt(raw, dataStart + info.begin());
        long[] values = new long[(int) count];
        raw.flip().asLongBuffer().get(values);
        return values;
    }

    /**
     * Writes float32 and int64 arrays to a safetensors file, in the map's order. The file is
     * written next to its final path and moved into place, so a reader never sees half a file.
     *
     * @param path the file to create or replace
     * @param tensors the arrays by name, float32 (stored F32) or int64 (stored I64)
     * @param metadata the header's {@code __metadata__} strings, possibly empty
     * @throws IllegalArgumentException if an array has another data type
     * @throws IOException if the file cannot be written
     */
    public static void write(Path path, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            NDArray array = entry.getValue();
            String dtype = storedType(entry.getKey(), array.getDataType());
            long bytes = array.size() * (dtype.equals("F32") ? Float.BYTES : Long.BYTES);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", dtype);
            info.put("shape", array.getShape().getShape());
            info.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(entry.getKey(), info);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        Path partial = path.resolveSibling(path.getFileName() + ".partial");
        try (FileChannel channel =
                FileChannel.open(
                        partial,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            writeFully(channel, head.flip());
            for (NDArray array : tensors.values()) {
                writeFully(channel, array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
            }
        }
        Files.move(
                partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String storedType(String name, DataType type) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("Writing safetensors needs a little-endian machine");
        }
        switch (type) {
            case FLOAT32:
                return "F32";
            case INT64:
                return "I64";
            default:
                throw new IllegalArgumentException(
                        "Tensor '"
                                + name
                                + "' is "
                                + type
                                + "; only float32 and int64 are written");
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Reads {@code count} elements from element {@code first} as native-order float32. */
    private ByteBuffer read(TensorInfo info, int width, long first, long count) throws IOException {
        ByteBuffer raw =
                ByteBuffer.allocate(Math.toIntExact(count * width)).order(ByteOrder.LITTLE_ENDIAN);
        readAt(raw, dataStart + info.begin() + first * width);
        raw.flip();
        ByteBuffer out =
                ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES))
                        .order(ByteOrder.nativeOrder());
        switch (info.dtype()) {
            case "F32":
                out.asFloatBuffer().put(raw.asFloatBuffer());
                break;
            case "F16":
                for (long i = 0; i < count; i++) {
                    out.putFloat(halfToFloat(raw.getShort()));
                }
                break;
            case "BF16":
                for (long i = 0; i < count; i++) {
                    out.putFloat(Float.intBitsToFloat((raw.getShort() & 0xffff) << 16));
                }
                break;
            default:
                throw new IllegalStateException(info.dtype());
        }
        return out.rewind();
    }

    /**
     * Converts an IEEE 754 binary16 value to float32, exactly.
     *
     * @param bits the half-precision bits
     * @return the same value as a float
     */
    static float halfToFloat(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign == 0 ? subnormal : -subnormal;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Bytes per element of the floating-point types this reader converts, 0 for others. */
    private static int floatWidth(String dtype) {
        switch (dtype) {
            case "F32":
                return 4;
            case "F16":
            case "BF16":
                return 2;
            default:
                return 0;
        }
    }

    private static TensorInfo tensorInfo(Path path, String name, JsonNode node, long dataSize)
            throws CheckpointException {
        JsonNode offsets = node.path("data_offsets");
        JsonNode dims = node.path("shape");
        String dtype = node.path("dtype").asText("");
        if (!offsets.isArray() || offsets.size() != 2 || !dims.isArray() || dtype.isEmpty()) {
            throw new CheckpointException(
                    "Tensor '" + name + "' in " + path + " has a malformed header entry: " + node);
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i).asLong();
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        int width = floatWidth(dtype);
        Shape tensorShape = new Shape(shape);
        if (begin < 0
                || end > dataSize
                || end < begin
                || (width > 0 && end - begin != tensorShape.size() * width)) {
            throw new CheckpointException(
                    "Tensor '"
                            + name
                            + "' in "
                            + path
                            + " has data_offsets ["
                            + begin
                            + ", "
                            + end
                            + ") that do not fit its shape "
                            + tensorShape
                            + " and dtype "
                            + dtype
                            + " within the file's "
                            + dataSize
                            + " data bytes");
        }
        return new TensorInfo(name, dtype, tensorShape, begin, end);
    }

    /** Fills a buffer from a position of the file, on disk or in memory. */
    private void readAt(ByteBuffer buffer, long position) throws IOException {
        if (memory != null) {
            readFully(memory, buffer, position, path);
            return;
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            readFully(channel, buffer, position, path);
        }
    }

    private static void readFully(ByteChunks bytes, ByteBuffer buffer, long position, Path path)
            throws CheckpointException {
        if (!bytes.read(buffer, position)) {
            throw new CheckpointException("Unexpected end of file in " + path);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path path)
            throws IOException {
        long offset = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, offset);
            if (read < 0) {
                throw new CheckpointException("Unexpected end of file in " + path);
            }
            offset += read;
        }
    }
}
