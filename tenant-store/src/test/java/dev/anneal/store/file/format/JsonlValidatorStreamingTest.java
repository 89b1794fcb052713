package dev.anneal.store.file.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Results must not depend on how the upload is cut into chunks, and memory must stay bounded. */
class JsonlValidatorStreamingTest {

    private static final String CHAT =
            "{\"messages\":[{\"role\":\"system\",\"content\":\"Réponds en français 🇫🇷\"},"
                    + "{\"role\":\"user\",\"content\":\"中文怎么说 hello?\"},"
                    + "{\"role\":\"assistant\",\"content\":\"你好 😀\"}]}";

    /** A file that exercises every framing rule at once, with errors to compare. */
    private static final String MIXED =
            "\uFEFF"
                    + CHAT
                    + "\r\n"
                    + CHAT
                    + "\n"
                    + "{\"messages\":[{\"role\":\"usér\",\"content\":\"é\"}]}\r\n"
                    + "{\"messages\":[{\"role\":\"user\",\"content\":\""
                    + "長".repeat(200)
                    + "\"}]}\n"
                    + "\r\n"
                    + CHAT
                    + "\r\n"
                    + "{\n"
                    + "  \"text\": \"ü\"\n"
                    + "}\n"
                    + CHAT
                    + "\n\n \r\n"
                    + CHAT;

    private static final JsonlLimits SMALL_LINES = new JsonlLimits(400, 1000);

    @Test
    void shouldGiveSameResultWhenFedInChunksOfOneSevenAnd64KiB() {
        byte[] data = MIXED.getBytes(UTF_8);

        ValidationResult whole = Jsonl.validate(data, data.length, SMALL_LINES);

        assertThat(whole.errors()).hasSize(7);
        assertThat(whole.lines()).isEqualTo(10);
        for (int chunk : new int[] {1, 7, 64 * 1024}) {
            assertThat(Jsonl.validate(data, chunk, SMALL_LINES))
                    .as("chunks of %d", chunk)
                    .isEqualTo(whole);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 8, 9, 13, 64, 399, 400, 401})
    void shouldGiveSameResultWhenChunkSizeIsOdd(int chunk) {
        byte[] data = MIXED.getBytes(UTF_8);

        assertThat(Jsonl.validate(data, chunk, SMALL_LINES))
                .isEqualTo(Jsonl.validate(data, data.length, SMALL_LINES));
    }

    @Test
    void shouldSkipByteOrderMarkWhenSplitAcrossChunks() {
        byte[] data = ("\uFEFF" + CHAT + "\n").getBytes(UTF_8);

        for (int cut = 1; cut <= 3; cut++) {
            assertThat(feedInTwo(data, cut).isValid()).as("cut at %d", cut).isTrue();
        }
    }

    @Test
    void shouldAcceptCrlfWhenSplitBetweenCarriageReturnAndNewline() {
        byte[] data = (CHAT + "\r\n" + CHAT + "\r\n").getBytes(UTF_8);
        int cut = CHAT.getBytes(UTF_8).length + 1;

        ValidationResult result = feedInTwo(data, cut);

        assertThat(result.isValid()).isTrue();
        assertThat(result.lines()).isEqualTo(2);
    }

    @Test
    void shouldAcceptMultiByteCharacterWhenSplitAcrossChunks() {
        byte[] data = (CHAT + "\n").getBytes(UTF_8);
        int emoji = new String(data, UTF_8).indexOf("😀");
        int at = CHAT.substring(0, emoji).getBytes(UTF_8).length;

        for (int cut = at + 1; cut < at + 4; cut++) {
            assertThat(feedInTwo(data, cut).isValid()).as("cut at %d", cut).isTrue();
        }
    }

    @Test
    void shouldValidateFiftyMegabytesWhenBufferStaysSmall() {
        byte[][] lines = new byte[8][];
        for (int i = 0; i < lines.length; i++) {
            String answer = "word ".repeat(40 + 90 * i);
            lines[i] = (CHAT.replace("你好 😀", answer + i) + "\n").getBytes(UTF_8);
        }
        JsonlValidator validator = new JsonlValidator(JsonlLimits.DEFAULTS);
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        long count = 0;
        int filled = 0;
        while (total < 50_000_000L) {
            byte[] line = lines[(int) (count % lines.length)];
            for (int i = 0; i < line.length; i++) {
                chunk[filled++] = line[i];
                if (filled == chunk.length) {
                    validator.accept(chunk, 0, filled);
                    total += filled;
                    filled = 0;
                }
            }
            count++;
        }
        validator.accept(chunk, 0, filled);

        assertThat(validator.lineBufferCapacity()).isLessThanOrEqualTo(16 * 1024);
        ValidationResult result = validator.finish();
        assertThat(result.errors()).isEmpty();
        assertThat(result.lines()).isEqualTo(count);
    }

    @Test
    void shouldNotBufferLongLineWhenItIsFarBeyondTheLimit() {
        JsonlLimits limits = new JsonlLimits(1024 * 1024, 10);
        JsonlValidator validator = new JsonlValidator(limits);
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'x');

        for (int i = 0; i < 800; i++) { // 50 MiB on one line
            validator.accept(chunk, 0, chunk.length);
        }
        byte[] end = ("\n" + CHAT + "\n").getBytes(UTF_8);
        validator.accept(end, 0, end.length);

        assertThat(validator.lineBufferCapacity()).isLessThanOrEqualTo(limits.maxLineBytes() + 4);
        ValidationResult result = validator.finish();
        assertThat(result.errors())
                .containsExactly(new LineError(1, null, "line is longer than 1048576 bytes"));
        assertThat(result.lines()).isEqualTo(2);
    }

    private static ValidationResult feedInTwo(byte[] data, int cut) {
        JsonlValidator validator = new JsonlValidator(JsonlLimits.DEFAULTS);
        validator.accept(Arrays.copyOfRange(data, 0, cut), 0, cut);
        validator.accept(Arrays.copyOfRange(data, cut, data.length), 0, data.length - cut);
        return validator.finish();
    }
}
