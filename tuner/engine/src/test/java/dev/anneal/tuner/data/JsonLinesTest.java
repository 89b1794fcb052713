package dev.anneal.tuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesTest {

    private static final long PLENTY = 1L << 20;

    @TempDir Path dir;

    @Test
    void shouldEncodeEachExampleInOrderSkippingBlankLines() throws Exception {
        Path file = dir.resolve("train.jsonl");
        Files.writeString(file, "{\"text\":\"a\"}\n\n  \n{\"text\":\"bb\"}\n");
        JsonLines lines = new JsonLines(file, PLENTY);

        assertThat(lines.first().get("text").asText()).isEqualTo("a");
        assertThat(lines.encodeAll(JsonLinesTest::tokensOf))
                .extracting(TokenizedExample::length)
                .containsExactly(1, 2);
    }

    @Test
    void shouldNameTheLineThatIsNotJsonAndTheExampleTheEncoderRefuses() throws Exception {
        Path broken = dir.resolve("broken.jsonl");
        Files.writeString(broken, "{\"text\":\"a\"}\n\n{not json\n");
        Path refused = dir.resolve("refused.jsonl");
        Files.writeString(refused, "{\"text\":\"a\"}\n{\"other\":1}\n");

        assertThatThrownBy(() -> new JsonLines(broken, PLENTY).encodeAll(JsonLinesTest::tokensOf))
                .isInstanceOf(InvalidTrainingDataException.class)
                .hasMessageContaining("line 3 is not JSON");
        assertThatThrownBy(() -> new JsonLines(refused, PLENTY).encodeAll(JsonLinesTest::tokensOf))
                .isInstanceOf(InvalidTrainingDataException.class)
                .hasMessageContaining("example 2");
    }

    @Test
    void shouldRefuseAFileWithoutExamples() throws Exception {
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "\n \n");

        assertThatThrownBy(() -> new JsonLines(empty, PLENTY).first())
                .isInstanceOf(InvalidTrainingDataException.class)
                .hasMessageContaining("holds no example");
    }

    @Test
    void shouldStopReadingOnceTheExamplesOutgrowTheBudget() throws Exception {
        Path file = dir.resolve("big.jsonl");
        Files.writeString(file, ("{\"text\":\"" + "x".repeat(100) + "\"}\n").repeat(50));
        // each example: 100 tokens at 9 bytes, 64 for its arrays, 8 for the list's reference
        long tenExamples = 10 * (900 + 64 + 8);

        assertThat(new JsonLines(file, 50 * (900 + 64 + 8)).encodeAll(JsonLinesTest::tokensOf))
                .hasSize(50);
        assertThatThrownBy(
                        () -> new JsonLines(file, tenExamples).encodeAll(JsonLinesTest::tokensOf))
                .isInstanceOf(TrainingDataTooLargeException.class)
                .hasMessageContaining("its first 11 examples");
    }

    /** One token per character of {@code text}; refuses a line without it. */
    private static TokenizedExample tokensOf(JsonNode line) {
        if (!line.has("text")) {
            throw new InvalidTrainingDataException("text", "missing");
        }
        int length = line.get("text").asText().length();
        return new TokenizedExample(new long[length], new boolean[length]);
    }
}
