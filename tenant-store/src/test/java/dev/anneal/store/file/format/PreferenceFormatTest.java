package dev.anneal.store.file.format;

import static dev.anneal.store.file.format.Jsonl.error;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PreferenceFormatTest {

    private static final String INPUT =
            "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static final String PREFERRED =
            "\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"Hello! How can I"
                    + " help?\"}]";
    private static final String NON_PREFERRED =
            "\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"What.\"}]";
    private static final String PAIR =
            "{\"prompt\":\"Hi\",\"chosen\":\"Hello!\",\"rejected\":\"What.\"}";

    @Test
    void shouldAcceptOpenAiShapeWhenInputAndBothOutputsAreGiven() {
        String line = "{" + INPUT + "," + PREFERRED + "," + NON_PREFERRED + "}";
        String withTools =
                "{\"input\":{\"messages\":[{\"role\":\"system\",\"content\":\"x\"},"
                        + "{\"role\":\"user\",\"content\":\"Hi\"}],"
                        + "\"tools\":[],\"parallel_tool_calls\":true},"
                        + PREFERRED
                        + ","
                        + NON_PREFERRED
                        + "}";

        ValidationResult result = Jsonl.validate(Jsonl.lines(line, withTools));

        assertThat(result.errors()).isEmpty();
        assertThat(result.format()).isEqualTo(DatasetFormat.PREFERENCE);
    }

    @Test
    void shouldAcceptPairShapeWhenChosenAndRejectedDiffer() {
        ValidationResult result =
                Jsonl.validate(
                        Jsonl.lines(PAIR, "{\"prompt\":\"\",\"chosen\":\"a\",\"rejected\":\"b\"}"));

        assertThat(result.errors()).isEmpty();
        assertThat(result.format()).isEqualTo(DatasetFormat.PREFERENCE);
    }

    @Test
    void shouldAcceptBothShapesWhenMixedInOneFile() {
        String dpo = "{" + INPUT + "," + PREFERRED + "," + NON_PREFERRED + "}";

        ValidationResult result = Jsonl.validate(Jsonl.lines(PAIR, dpo, PAIR, dpo));

        assertThat(result.errors()).isEmpty();
        assertThat(result.lines()).isEqualTo(4);
    }

    @Test
    void shouldReportIdenticalPairWhenChosenEqualsRejected() {
        assertThat(error("{\"prompt\":\"Hi\",\"chosen\":\"Same\",\"rejected\":\"Same\"}"))
                .isEqualTo(new LineError(1, "rejected", "chosen and rejected are identical"));
    }

    @Test
    void shouldReportMissingRejectedWhenPairIsIncomplete() {
        assertThat(error("{\"prompt\":\"Hi\",\"chosen\":\"Hello\"}"))
                .isEqualTo(new LineError(1, "rejected", "missing required field"));
    }

    @Test
    void shouldReportEmptyChosenWhenItIsEmptyString() {
        assertThat(error("{\"prompt\":\"Hi\",\"chosen\":\"\",\"rejected\":\"x\"}"))
                .isEqualTo(new LineError(1, "chosen", "must not be empty"));
    }

    @Test
    void shouldReportMissingPromptWhenPairHasNone() {
        assertThat(error("{\"chosen\":\"a\",\"rejected\":\"b\"}"))
                .isEqualTo(new LineError(1, "prompt", "missing required field"));
    }

    @Test
    void shouldNameUnknownFieldWhenPairHasExtraKey() {
        assertThat(
                        error(
                                "{\"prompt\":\"a\",\"chosen\":\"b\",\"rejected\":\"c\","
                                        + "\"metadata\":{}}"))
                .isEqualTo(
                        new LineError(
                                1,
                                "metadata",
                                "unknown field (expected prompt, chosen, rejected)"));
    }

    @Test
    void shouldRefuseLineWhenPairAlsoHasACompletion() {
        assertThat(
                        error(
                                        "{\"prompt\":\"a\",\"chosen\":\"b\",\"rejected\":\"c\","
                                                + "\"completion\":\"d\"}")
                                .reason())
                .startsWith(
                        "fits more than one dataset format: prompt_completion ({\"prompt\","
                                + " \"completion\"}) and preference (");
    }

    @Test
    void shouldTreatPromptOnlyLineAsPreferenceWhenFileIsPreference() {
        ValidationResult result = Jsonl.validate(Jsonl.lines(PAIR, "{\"prompt\":\"Hi\"}"));

        assertThat(result.errors())
                .containsExactly(new LineError(2, "chosen", "missing required field"));
    }

    @Test
    void shouldReportMissingOutputWhenOpenAiShapeLacksIt() {
        assertThat(error("{" + INPUT + "," + PREFERRED + "}"))
                .isEqualTo(new LineError(1, "non_preferred_output", "missing required field"));
    }

    @Test
    void shouldRequireAssistantWhenOutputHasAnotherRole() {
        String preferred = "\"preferred_output\":[{\"role\":\"user\",\"content\":\"x\"}]";

        assertThat(error("{" + INPUT + "," + preferred + "," + NON_PREFERRED + "}"))
                .isEqualTo(new LineError(1, "preferred_output[0].role", "must be assistant"));
    }

    @Test
    void shouldReportEmptyOutputWhenArrayIsEmpty() {
        assertThat(error("{" + INPUT + "," + PREFERRED + ",\"non_preferred_output\":[]}"))
                .isEqualTo(new LineError(1, "non_preferred_output", "must not be empty"));
    }

    @Test
    void shouldAskForArrayWhenOutputIsAString() {
        assertThat(error("{" + INPUT + ",\"preferred_output\":\"Hello\"," + NON_PREFERRED + "}"))
                .isEqualTo(new LineError(1, "preferred_output", "must be an array"));
    }

    @Test
    void shouldCheckOutputContentWhenMissing() {
        String preferred = "\"preferred_output\":[{\"role\":\"assistant\"}]";

        assertThat(error("{" + INPUT + "," + preferred + "," + NON_PREFERRED + "}"))
                .isEqualTo(
                        new LineError(1, "preferred_output[0].content", "missing required field"));
    }

    @Test
    void shouldNotRequireAssistantWhenInputIsOnlyTheConversationSoFar() {
        String line = "{" + INPUT + "," + PREFERRED + "," + NON_PREFERRED + "}";

        assertThat(Jsonl.validate(line).isValid()).isTrue();
    }

    @Test
    void shouldCheckInputMessagesWhenRoleIsWrong() {
        String input = "\"input\":{\"messages\":[{\"role\":\"human\",\"content\":\"Hi\"}]}";

        assertThat(error("{" + input + "," + PREFERRED + "," + NON_PREFERRED + "}"))
                .isEqualTo(
                        new LineError(
                                1,
                                "input.messages[0].role",
                                "must be one of system, user, assistant"));
    }

    @Test
    void shouldReportInputWhenNotAnObject() {
        assertThat(error("{\"input\":[]," + PREFERRED + "," + NON_PREFERRED + "}"))
                .isEqualTo(new LineError(1, "input", "must be an object"));
    }

    @Test
    void shouldReportEmptyInputMessagesWhenNoMessage() {
        assertThat(error("{\"input\":{\"messages\":[]}," + PREFERRED + "," + NON_PREFERRED + "}"))
                .isEqualTo(new LineError(1, "input.messages", "must not be empty"));
    }

    @Test
    void shouldNameUnknownInputFieldWhenNotAllowed() {
        String input =
                "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"metadata\":{}}";

        assertThat(error("{" + input + "," + PREFERRED + "," + NON_PREFERRED + "}"))
                .isEqualTo(
                        new LineError(
                                1,
                                "input.metadata",
                                "unknown field (expected messages, tools, parallel_tool_calls)"));
    }

    @Test
    void shouldNameUnknownTopLevelFieldWhenOpenAiShapeHasExtraKey() {
        String line = "{" + INPUT + "," + PREFERRED + "," + NON_PREFERRED + ",\"chosen\":\"x\"}";

        assertThat(error(line))
                .isEqualTo(
                        new LineError(
                                1,
                                "chosen",
                                "unknown field (expected input, preferred_output,"
                                        + " non_preferred_output)"));
    }
}
