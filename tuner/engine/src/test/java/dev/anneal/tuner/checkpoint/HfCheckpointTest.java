package dev.anneal.tuner.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfCheckpointTest {

    @TempDir Path dir;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void shouldLoadEachTensorFromItsShardWhenIndexIsPresent() throws Exception {
        new SafetensorsWriter().f32("a", new long[] {2}, 1f, 2f).write(shard(1));
        new SafetensorsWriter().f32("b", new long[] {1}, 3f).write(shard(2));
        writeIndex("\"a\": \"" + shardName(1) + "\", \"b\": \"" + shardName(2) + "\"");

        HfCheckpoint checkpoint = HfCheckpoint.open(dir);

        assertThat(checkpoint.tensorNames()).containsExactly("a", "b");
        assertThat(checkpoint.load(manager, "a").toFloatArray()).containsExactly(1f, 2f);
        assertThat(checkpoint.load(manager, "b").toFloatArray()).containsExactly(3f);
        assertThat(checkpoint.fileOf("b")).isEqualTo(shard(2));
    }

    @Test
    void shouldLoadSameTensorsFromMemoryAsFromFolderWhenCheckpointIsSharded() throws Exception {
        new SafetensorsWriter().f32("a", new long[] {2}, 1f, 2f).write(shard(1));
        new SafetensorsWriter().f32("b", new long[] {1}, 3f).write(shard(2));
        writeIndex("\"a\": \"" + shardName(1) + "\", \"b\": \"" + shardName(2) + "\"");
        Map<String, ByteChunks> files = new HashMap<>();
        try (Stream<Path> folder = Files.list(dir)) {
            for (Path file : folder.toList()) {
                files.put(file.getFileName().toString(), ByteChunks.of(Files.readAllBytes(file)));
            }
        }

        HfCheckpoint checkpoint = HfCheckpoint.read(files, Path.of("in-memory"));

        assertThat(checkpoint.tensorNames()).containsExactly("a", "b");
        assertThat(checkpoint.load(manager, "a").toFloatArray()).containsExactly(1f, 2f);
        assertThat(checkpoint.load(manager, "b").toFloatArray()).containsExactly(3f);
    }

    @Test
    void shouldRefuseNamingTheSourceWhenFilesInMemoryHoldNoCheckpoint() {
        Map<String, ByteChunks> files = Map.of("config.json", ByteChunks.of(new byte[] {'{', '}'}));

        assertThatThrownBy(() -> HfCheckpoint.read(files, Path.of("ft-model!model/")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("ft-model!model");
    }

    @Test
    void shouldNameTensorAndIndexWhenIndexDoesNotListTensor() throws Exception {
        new SafetensorsWriter().f32("a", new long[] {1}, 1f).write(shard(1));
        writeIndex("\"a\": \"" + shardName(1) + "\"");

        assertThatThrownBy(() -> HfCheckpoint.open(dir).load(manager, "model.norm.weight"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'model.norm.weight'")
                .hasMessageContaining(HfCheckpoint.INDEX_FILE);
    }

    @Test
    void shouldNameShardWhenIndexedTensorIsNotInIt() throws Exception {
        new SafetensorsWriter().f32("a", new long[] {1}, 1f).write(shard(1));
        writeIndex("\"a\": \"" + shardName(1) + "\", \"b\": \"" + shardName(1) + "\"");

        assertThatThrownBy(() -> HfCheckpoint.open(dir).load(manager, "b"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'b'")
                .hasMessageContaining(shardName(1));
    }

    @Test
    void shouldNameShardWhenShardFileIsAbsent() throws Exception {
        writeIndex("\"a\": \"" + shardName(2) + "\"");

        assertThatThrownBy(() -> HfCheckpoint.open(dir).load(manager, "a"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(shardName(2))
                .hasMessageContaining("'a'");
    }

    @Test
    void shouldNameFolderWhenItHoldsNoCheckpoint() {
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(HfCheckpoint.SINGLE_FILE)
                .hasMessageContaining(dir.toString());
    }

    private Path shard(int n) {
        return dir.resolve(shardName(n));
    }

    private static String shardName(int n) {
        return String.format("model-%05d-of-00002.safetensors", n);
    }

    private void writeIndex(String weightMap) throws Exception {
        Files.writeString(
                dir.resolve(HfCheckpoint.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 12}, \"weight_map\": {" + weightMap + "}}");
    }
}
