package dev.anneal.tuner.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir Path dir;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void shouldConvertF16ExactlyWhenLoading() throws Exception {
        Path file = dir.resolve("half.safetensors");
        // 1, -2.5, 65504 (largest half), 2^-24 (smallest subnormal), -0, +infinity
        new SafetensorsWriter()
                .bits16(
                        "w",
                        "F16",
                        new long[] {2, 3},
                        0x3C00,
                        0xC100,
                        0x7BFF,
                        0x0001,
                        0x8000,
                        0x7C00)
                .write(file);

        NDArray w = SafetensorsFile.open(file).load(manager, "w");

        assertThat(w.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(w.getShape()).isEqualTo(new Shape(2, 3));
        assertThat(w.toFloatArray())
                .containsExactly(1f, -2.5f, 65504f, 0x1p-24f, -0f, Float.POSITIVE_INFINITY);
        assertThat(Float.floatToIntBits(w.toFloatArray()[4])).isEqualTo(0x80000000);
    }

    @Test
    void shouldConvertBf16ToFloatWhenLoading() throws Exception {
        Path file = dir.resolve("bf16.safetensors");
        // 1, -2.5, 3.140625, 1.0e-3 rounded to bf16 (0x3A83 = 0.0010004043579101562)
        new SafetensorsWriter()
                .bits16("w", "BF16", new long[] {4}, 0x3F80, 0xC020, 0x4049, 0x3A83)
                .write(file);

        NDArray w = SafetensorsFile.open(file).load(manager, "w");

        assertThat(w.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(w.toFloatArray())
                .containsExactly(1f, -2.5f, 3.140625f, Float.intBitsToFloat(0x3A830000));
    }

    @Test
    void shouldKeepF32ValuesAndShapeWhenLoading() throws Exception {
        Path file = dir.resolve("f32.safetensors");
        new SafetensorsWriter()
                .f32("a", new long[] {1}, 7f)
                .f32("b", new long[] {2, 2}, 1f, 2f, 3f, 4f)
                .write(file);

        SafetensorsFile safetensors = SafetensorsFile.open(file);

        assertThat(safetensors.tensors()).containsOnlyKeys("a", "b");
        NDArray b = safetensors.load(manager, "b");
        assertThat(b.getShape()).isEqualTo(new Shape(2, 2));
        assertThat(b.toFloatArray()).containsExactly(1f, 2f, 3f, 4f);
    }

    @Test
    void shouldJoinSlicesInOrderWhenTensorIsLargerThanOneChunk() throws Exception {
        Path file = dir.resolve("big.safetensors");
        // 5 rows of 2 BF16 values: 1..10; chunks of 8 bytes of float32 hold one row each.
        new SafetensorsWriter()
                .bits16(
                        "w",
                        "BF16",
                        new long[] {5, 2},
                        0x3F80,
                        0x4000,
                        0x4040,
                        0x4080,
                        0x40A0,
                        0x40C0,
                        0x40E0,
                        0x4100,
                        0x4110,
                        0x4120)
                .write(file);

        NDArray w = SafetensorsFile.open(file).load(manager, "w", 8);

        assertThat(w.getShape()).isEqualTo(new Shape(5, 2));
        assertThat(w.toFloatArray()).containsExactly(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f);
        assertThat(w.getManager()).isSameAs(manager);
    }

    @Test
    void shouldNameTensorAndFileWhenTensorIsMissing() throws Exception {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().f32("a", new long[] {1}, 7f).write(file);

        assertThatThrownBy(() -> SafetensorsFile.open(file).load(manager, "lm_head.weight"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'lm_head.weight'")
                .hasMessageContaining(file.toString());
    }

    @Test
    void shouldNameDtypeWhenTensorIsNotFloatingPoint() throws Exception {
        Path file = dir.resolve("ints.safetensors");
        new SafetensorsWriter()
                .add("ids", new SafetensorsWriter.Tensor("I64", new long[] {1}, new byte[8]))
                .write(file);

        assertThatThrownBy(() -> SafetensorsFile.open(file).load(manager, "ids"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'ids'")
                .hasMessageContaining("I64");
    }

    @Test
    void shouldRejectHeaderWhenOffsetsDoNotMatchShape() throws Exception {
        Path file = dir.resolve("bad.safetensors");
        new SafetensorsWriter()
                .add("w", new SafetensorsWriter.Tensor("F32", new long[] {3}, new byte[8]))
                .write(file);

        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'w'")
                .hasMessageContaining("data_offsets");
    }

    @Test
    void shouldConvertEveryHalfExactlyWhenComparedWithFloatConversion() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float converted = SafetensorsFile.halfToFloat((short) bits);
            int exponent = (bits >>> 10) & 0x1f;
            if (exponent == 0x1f && (bits & 0x3ff) != 0) {
                assertThat(converted).isNaN();
                continue;
            }
            int mantissa = bits & 0x3ff;
            double magnitude =
                    exponent == 0
                            ? mantissa * Math.pow(2, -24)
                            : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            if (exponent == 0x1f) {
                magnitude = Double.POSITIVE_INFINITY;
            }
            double expected = (bits & 0x8000) != 0 ? -magnitude : magnitude;
            assertThat((double) converted).isEqualTo(expected);
        }
    }
}
