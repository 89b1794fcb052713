package dev.anneal.store.file.format;

import static dev.anneal.store.file.format.Jsonl.error;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextFormatTest {

    @Test
    void shouldAcceptTextWhenNonEmptyString() {
        ValidationResult result =
                Jsonl.validate(
                        Jsonl.lines(
                                "{\"text\":\"Once upon a time\"}",
                                "{\"text\":\"é\",\"metadata\":{}}"));

        assertThat(result.errors()).isEmpty();
        assertThat(result.format()).isEqualTo(DatasetFormat.TEXT);
    }

    @Test
    void shouldReportEmptyTextWhenStringIsEmpty() {
        assertThat(error("{\"text\":\"\"}"))
                .isEqualTo(new LineError(1, "text", "must not be empty"));
    }

    @Test
    void shouldAskForStringWhenTextIsNumber() {
        assertThat(error("{\"text\":1}")).isEqualTo(new LineError(1, "text", "must be a string"));
    }

    @Test
    void shouldNameUnknownFieldWhenNotAllowed() {
        assertThat(error("{\"text\":\"a\",\"label\":\"b\"}"))
                .isEqualTo(new LineError(1, "label", "unknown field (expected text, metadata)"));
    }
}
