package dev.anneal.store.file.format;

import static dev.anneal.store.file.format.Jsonl.error;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FormatDetectionTest {

    private static final String CHAT =
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Hey\"}]}";
    private static final String PROMPT_COMPLETION = "{\"prompt\":\"Hi\",\"completion\":\"Hey\"}";

    @Test
    void shouldNameBothFormatsWhenLineDiffersFromFirst() {
        ValidationResult result =
                Jsonl.validate(Jsonl.lines(CHAT, CHAT, PROMPT_COMPLETION, "{\"text\":\"x\"}"));

        assertThat(result.format()).isEqualTo(DatasetFormat.CHAT);
        assertThat(result.errors())
                .containsExactly(
                        new LineError(
                                3,
                                null,
                                "format differs from line 1 (chat): this line is"
                                        + " prompt_completion"),
                        new LineError(
                                4, null, "format differs from line 1 (chat): this line is text"));
    }

    @Test
    void shouldListAcceptedShapesWhenObjectMatchesNoFormat() {
        LineError error = error("{\"question\":\"Hi\",\"answer\":\"Hey\"}");

        assertThat(error.field()).isNull();
        assertThat(error.reason())
                .startsWith("matches no dataset format: expected")
                .contains(
                        "\"messages\"",
                        "\"completion\"",
                        "\"preferred_output\"",
                        "\"chosen\"",
                        "\"text\"");
    }

    @Test
    void shouldListAcceptedShapesWhenObjectIsEmpty() {
        assertThat(error("{}").reason()).startsWith("matches no dataset format");
    }

    @Test
    void shouldTakeFormatFromFirstDetectableLineWhenEarlierLinesAreBroken() {
        ValidationResult result =
                Jsonl.validate(Jsonl.lines("[]", "{\"a\":1}", PROMPT_COMPLETION, CHAT));

        assertThat(result.format()).isEqualTo(DatasetFormat.PROMPT_COMPLETION);
        assertThat(result.errors()).extracting(LineError::line).containsExactly(1L, 2L, 4L);
        assertThat(result.errors().get(2).reason())
                .isEqualTo("format differs from line 3 (prompt_completion): this line is chat");
    }

    @Test
    void shouldDetectFormatWhenFirstLineBreaksItsRules() {
        ValidationResult result = Jsonl.validate(Jsonl.lines("{\"messages\":[]}", CHAT));

        assertThat(result.format()).isEqualTo(DatasetFormat.CHAT);
        assertThat(result.errors())
                .containsExactly(new LineError(1, "messages", "must not be empty"));
    }

    @Test
    void shouldRefuseLineNamingBothShapesWhenItHasTheKeysOfTwoFormats() {
        String line = "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}],\"text\":\"y\"}";

        assertThat(error(line).field()).isNull();
        assertThat(error(line).reason())
                .isEqualTo(
                        "fits more than one dataset format: chat ({\"messages\": [...]}) and"
                                + " text ({\"text\"}); a line has the keys of one format only");
        assertThat(Jsonl.validate(line).format()).isNull();
    }
}
