package dev.anneal.store.file.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The framing rules: encoding, line endings, blank lines and limits. */
class JsonlValidatorTest {

    private static final String TEXT = "{\"text\":\"hello\"}";
    private static final String CHAT =
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Hello!\"}]}";

    @Test
    void shouldAcceptFileWhenEveryLineIsValid() {
        ValidationResult result = Jsonl.validate(Jsonl.lines(CHAT, CHAT, CHAT));

        assertThat(result.isValid()).isTrue();
        assertThat(result.format()).isEqualTo(DatasetFormat.CHAT);
        assertThat(result.lines()).isEqualTo(3);
        assertThat(result.moreErrors()).isFalse();
    }

    @Test
    void shouldAcceptLastLineWhenItHasNoNewline() {
        ValidationResult result = Jsonl.validate(TEXT + "\n" + TEXT);

        assertThat(result.isValid()).isTrue();
        assertThat(result.lines()).isEqualTo(2);
    }

    @Test
    void shouldSkipByteOrderMarkWhenAtStartOfFile() {
        ValidationResult result = Jsonl.validate("\uFEFF" + Jsonl.lines(TEXT, TEXT));

        assertThat(result.isValid()).isTrue();
        assertThat(result.lines()).isEqualTo(2);
    }

    @Test
    void shouldAcceptCrlfWhenLinesEndWithIt() {
        ValidationResult result = Jsonl.validate(TEXT + "\r\n" + TEXT + "\r\n");

        assertThat(result.isValid()).isTrue();
        assertThat(result.lines()).isEqualTo(2);
    }

    @Test
    void shouldAcceptBlankLinesWhenAtEndOfFile() {
        ValidationResult result = Jsonl.validate(Jsonl.lines(TEXT, TEXT, "", "  \t", "\r", ""));

        assertThat(result.isValid()).isTrue();
        assertThat(result.lines()).isEqualTo(2);
    }

    @Test
    void shouldReportFirstBlankLineWhenDataFollowsIt() {
        ValidationResult result = Jsonl.validate(Jsonl.lines(TEXT, "", " ", TEXT, TEXT));

        assertThat(result.errors())
                .containsExactly(new LineError(2, null, "blank line inside the file"));
        assertThat(result.lines()).isEqualTo(3);
    }

    @Test
    void shouldReportBlankLineWhenFileStartsWithOne() {
        ValidationResult result = Jsonl.validate(Jsonl.lines("", TEXT));

        assertThat(result.errors())
                .containsExactly(new LineError(1, null, "blank line inside the file"));
    }

    @Test
    void shouldReportEmptyFileWhenThereAreNoBytes() {
        ValidationResult result = Jsonl.validate("");

        assertThat(result.errors()).containsExactly(new LineError(1, null, "file is empty"));
        assertThat(result.format()).isNull();
        assertThat(result.lines()).isZero();
    }

    @Test
    void shouldReportEmptyFileWhenAllLinesAreBlank() {
        ValidationResult result = Jsonl.validate("\uFEFF\n \r\n\t\n");

        assertThat(result.errors()).containsExactly(new LineError(1, null, "file is empty"));
    }

    @Test
    void shouldReportInvalidUtf8WhenLineHasMalformedBytes() {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes((TEXT + "\n").getBytes(UTF_8));
        file.writeBytes("{\"text\":\"caf".getBytes(UTF_8));
        file.write(0xE9); // 'é' in Latin-1
        file.writeBytes("\"}\n".getBytes(UTF_8));

        ValidationResult result = validate(file.toByteArray(), JsonlLimits.DEFAULTS);

        assertThat(result.errors()).containsExactly(new LineError(2, null, "invalid UTF-8"));
    }

    @Test
    void shouldReportLongLineAndGoOnWhenLineExceedsLimit() {
        JsonlLimits limits = new JsonlLimits(40, 100);
        String longLine = "{\"text\":\"" + "x".repeat(100) + "\"}";

        ValidationResult result =
                validate(Jsonl.lines(TEXT, longLine, TEXT, "{").getBytes(UTF_8), limits);

        assertThat(result.errors())
                .containsExactly(
                        new LineError(2, null, "line is longer than 40 bytes"),
                        new LineError(4, null, JsonLineParser.PRETTY_PRINTED));
        assertThat(result.lines()).isEqualTo(4);
    }

    @Test
    void shouldAcceptLineWhenExactlyAtLimitWithCrlfAndByteOrderMark() {
        JsonlLimits limits = new JsonlLimits(TEXT.length(), 100);

        ValidationResult result =
                validate(("\uFEFF" + TEXT + "\r\n" + TEXT + "\r\n").getBytes(UTF_8), limits);

        assertThat(result.isValid()).isTrue();
    }

    @Test
    void shouldReportLongLineWhenLastLineExceedsLimitWithoutNewline() {
        JsonlLimits limits = new JsonlLimits(20, 100);

        ValidationResult result = validate((TEXT + "\n" + "x".repeat(50)).getBytes(UTF_8), limits);

        assertThat(result.errors())
                .containsExactly(new LineError(2, null, "line is longer than 20 bytes"));
    }

    @Test
    void shouldStopWhenFileHasMoreLinesThanLimit() {
        JsonlLimits limits = new JsonlLimits(1000, 2);
        JsonlValidator validator = new JsonlValidator(limits);

        Jsonl.feed(validator, Jsonl.lines(TEXT, TEXT, TEXT, "not json").getBytes(UTF_8), 5);

        assertThat(validator.isSaturated()).isTrue();
        ValidationResult result = validator.finish();
        assertThat(result.errors())
                .containsExactly(new LineError(3, null, "file has more than 2 lines"));
        assertThat(result.lines()).isEqualTo(2);
    }

    @Test
    void shouldKeepFirstTwentyErrorsAndFlagMoreWhenThereAreMore() {
        String[] lines = new String[30];
        lines[0] = TEXT;
        for (int i = 1; i < lines.length; i++) {
            lines[i] = "{\"text\":" + i + "}";
        }
        JsonlValidator validator = new JsonlValidator(JsonlLimits.DEFAULTS);

        Jsonl.feed(validator, Jsonl.lines(lines).getBytes(UTF_8), 64);
        ValidationResult result = validator.finish();

        assertThat(validator.isSaturated()).isTrue();
        assertThat(result.errors()).hasSize(JsonlValidator.MAX_ERRORS);
        assertThat(result.errors().get(0)).isEqualTo(new LineError(2, "text", "must be a string"));
        assertThat(result.errors().get(19).line()).isEqualTo(21);
        assertThat(result.moreErrors()).isTrue();
        assertThat(result.lines()).isEqualTo(30);
    }

    @Test
    void shouldNotFlagMoreErrorsWhenExactlyTwentyExist() {
        String[] lines = new String[JsonlValidator.MAX_ERRORS];
        Arrays.fill(lines, "[]");

        ValidationResult result = Jsonl.validate(Jsonl.lines(lines));

        assertThat(result.errors()).hasSize(JsonlValidator.MAX_ERRORS);
        assertThat(result.moreErrors()).isFalse();
    }

    @Test
    void shouldTellErrorsWhileFeedingWhenALineIsInvalid() {
        JsonlValidator validator = new JsonlValidator(JsonlLimits.DEFAULTS);
        byte[] good = Jsonl.lines(TEXT).getBytes(UTF_8);
        byte[] bad = Jsonl.lines("[1]").getBytes(UTF_8);

        validator.accept(good, 0, good.length);
        assertThat(validator.hasErrors()).isFalse();
        validator.accept(bad, 0, bad.length);
        assertThat(validator.hasErrors()).isTrue();
        assertThat(validator.isSaturated()).isFalse();
    }

    @Test
    void shouldReturnSameResultWhenFinishedTwice() {
        JsonlValidator validator = new JsonlValidator(JsonlLimits.DEFAULTS);
        byte[] data = TEXT.getBytes(UTF_8);
        validator.accept(data, 0, data.length);

        ValidationResult first = validator.finish();

        assertThat(validator.finish()).isSameAs(first);
        assertThatThrownBy(() -> validator.accept(data, 0, data.length))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldReadOnlyGivenRangeWhenChunkIsPartOfABuffer() {
        byte[] buffer = ("garbage" + TEXT + "\ngarbage").getBytes(UTF_8);
        JsonlValidator validator = new JsonlValidator(JsonlLimits.DEFAULTS);

        validator.accept(buffer, 7, TEXT.length() + 1);

        assertThat(validator.finish().isValid()).isTrue();
    }

    @Test
    void shouldRejectRangeWhenOutsideBuffer() {
        JsonlValidator validator = new JsonlValidator(JsonlLimits.DEFAULTS);

        assertThatThrownBy(() -> validator.accept(new byte[4], 2, 3))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static ValidationResult validate(byte[] data, JsonlLimits limits) {
        return Jsonl.validate(data, Jsonl.DEFAULT_CHUNK, limits);
    }
}
