package dev.anneal.tuner.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileWriteTest {

    @Test
    void shouldReadBackF32AndI64WhenWritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, ai.djl.ndarray.NDArray> tensors = new LinkedHashMap<>();
            tensors.put("w", manager.create(new float[] {1.5f, -2, 3, 4e-8f}, new Shape(2, 2)));
            tensors.put("ids", manager.create(new long[] {1, 1L << 40, -3}, new Shape(3)));

            SafetensorsFile.write(file, tensors, Map.of("format", "pt"));
            SafetensorsFile read = SafetensorsFile.open(file);

            assertThat(read.tensors().keySet()).containsExactly("w", "ids");
            assertThat(read.load(manager, "w").getShape()).isEqualTo(new Shape(2, 2));
            assertThat(read.load(manager, "w").toFloatArray()).containsExactly(1.5f, -2, 3, 4e-8f);
            assertThat(read.readLongs("ids")).containsExactly(1, 1L << 40, -3);
            assertThat(dir.resolve("t.safetensors.partial")).doesNotExist();
        }
    }

    @Test
    void shouldNameDtypeWhenReadingLongsFromFloats(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            SafetensorsFile.write(file, Map.of("w", manager.create(new float[] {1})), Map.of());
        }

        assertThatThrownBy(() -> SafetensorsFile.open(file).readLongs("w"))
                .hasMessageContaining("'w'")
                .hasMessageContaining("F32");
    }
}
