package dev.anneal.store.file.format;

import static dev.anneal.store.file.format.Jsonl.error;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromptCompletionFormatTest {

    @Test
    void shouldAcceptPromptCompletionWhenBothAreStrings() {
        ValidationResult result =
                Jsonl.validate(
                        Jsonl.lines(
                                "{\"prompt\":\"2+2=\",\"completion\":\"4\"}",
                                "{\"completion\":\"Hello\",\"prompt\":\"\","
                                        + "\"metadata\":{\"id\":7}}"));

        assertThat(result.errors()).isEmpty();
        assertThat(result.format()).isEqualTo(DatasetFormat.PROMPT_COMPLETION);
    }

    @Test
    void shouldReportMissingCompletionWhenOnlyPromptIsGiven() {
        assertThat(error("{\"prompt\":\"2+2=\"}"))
                .isEqualTo(new LineError(1, "completion", "missing required field"));
    }

    @Test
    void shouldReportMissingPromptWhenOnlyCompletionIsGiven() {
        assertThat(error("{\"completion\":\"4\"}"))
                .isEqualTo(new LineError(1, "prompt", "missing required field"));
    }

    @Test
    void shouldReportEmptyCompletionWhenItIsBlankString() {
        assertThat(error("{\"prompt\":\"a\",\"completion\":\"\"}"))
                .isEqualTo(new LineError(1, "completion", "must not be empty"));
    }

    @Test
    void shouldAskForStringsWhenTypesAreWrong() {
        assertThat(error("{\"prompt\":[\"a\"],\"completion\":\"b\"}"))
                .isEqualTo(new LineError(1, "prompt", "must be a string"));
        assertThat(error("{\"prompt\":\"a\",\"completion\":4}"))
                .isEqualTo(new LineError(1, "completion", "must be a string"));
    }

    @Test
    void shouldNameUnknownFieldWhenNotAllowed() {
        assertThat(error("{\"prompt\":\"a\",\"completion\":\"b\",\"weight\":1}"))
                .isEqualTo(
                        new LineError(
                                1,
                                "weight",
                                "unknown field (expected prompt, completion, metadata)"));
    }

    @Test
    void shouldReportMetadataWhenNotAnObject() {
        assertThat(error("{\"prompt\":\"a\",\"completion\":\"b\",\"metadata\":\"x\"}"))
                .isEqualTo(new LineError(1, "metadata", "must be an object"));
    }
}
