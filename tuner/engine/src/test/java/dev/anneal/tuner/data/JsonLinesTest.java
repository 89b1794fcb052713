package dev.anneal.tuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesTest {

    @TempDir Path dir;

    @Test
    void shouldEncodeEachExampleInOrderSkippingBlankLines() throws Exception {
        Path file = dir.resolve("train.jsonl");
        Files.writeString(file, "{\"text\":\"a\"}\n\n  \n{\"text\":\"bb\"}\n");
        JsonLines lines = new JsonLines(file);

        assertThat(lines.first().get("text").asText()).isEqualTo("a");
        assertThat(lines.encodeAll(node -> node.get("text").asText().length()))
                .containsExactly(1, 2);
    }

    @Test
    void shouldNameTheLineThatIsNotJsonAndTheExampleTheEncoderRefuses() throws Exception {
        Path broken = dir.resolve("broken.jsonl");
        Files.writeString(broken, "{\"text\":\"a\"}\n\n{not json\n");
        Path refused = dir.resolve("refused.jsonl");
        Files.writeString(refused, "{\"text\":\"a\"}\n{\"other\":1}\n");

        assertThatThrownBy(() -> new JsonLines(broken).encodeAll(node -> node))
                .isInstanceOf(InvalidTrainingDataException.class)
                .hasMessageContaining("line 3 is not JSON");
        assertThatThrownBy(
                        () ->
                                new JsonLines(refused)
                                        .encodeAll(
                                                node -> {
                                                    if (!node.has("text")) {
                                                        throw new InvalidTrainingDataException(
                                                                "text", "missing");
                                                    }
                                                    return node;
                                                }))
                .isInstanceOf(InvalidTrainingDataException.class)
                .hasMessageContaining("example 2");
    }

    @Test
    void shouldRefuseAFileWithoutExamples() throws Exception {
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "\n \n");

        assertThatThrownBy(() -> new JsonLines(empty).first())
                .isInstanceOf(InvalidTrainingDataException.class)
                .hasMessageContaining("holds no example");
    }
}
