package dev.anneal.store.file.format;

import static dev.anneal.store.file.format.Jsonl.ASSISTANT;
import static dev.anneal.store.file.format.Jsonl.USER;
import static dev.anneal.store.file.format.Jsonl.chat;
import static dev.anneal.store.file.format.Jsonl.error;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatFormatTest {

    @Test
    void shouldAcceptChatWhenMessagesAreWellFormed() {
        String file =
                Jsonl.lines(
                        chat("{\"role\":\"system\",\"content\":\"Be brief.\"}", USER, ASSISTANT),
                        chat(USER, ASSISTANT, USER, ASSISTANT));

        ValidationResult result = Jsonl.validate(file);

        assertThat(result.errors()).isEmpty();
        assertThat(result.format()).isEqualTo(DatasetFormat.CHAT);
        assertThat(result.lines()).isEqualTo(2);
    }

    @Test
    void shouldAcceptOptionalFieldsWhenTypesAreRight() {
        String line =
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\",\"name\":\"ann\"},"
                        + "{\"role\":\"assistant\",\"content\":\"Hey\",\"weight\":0},"
                        + "{\"role\":\"user\",\"content\":\"Again\"},"
                        + "{\"role\":\"assistant\",\"content\":\"Hello\",\"weight\":1}],"
                        + "\"tools\":[],\"parallel_tool_calls\":false,"
                        + "\"metadata\":{\"source\":\"crm\"}}";

        assertThat(Jsonl.validate(line).errors()).isEmpty();
    }

    @Test
    void shouldAcceptTextPartsWhenContentIsAnArray() {
        String line =
                chat(
                        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"},"
                                + "{\"type\":\"text\",\"text\":\" there\"}]}",
                        ASSISTANT);

        assertThat(Jsonl.validate(line).errors()).isEmpty();
    }

    @Test
    void shouldAskForArrayWhenMessagesIsNull() {
        assertThat(error("{\"messages\":null}"))
                .isEqualTo(new LineError(1, "messages", "must be an array"));
    }

    @Test
    void shouldReportEmptyWhenMessagesHasNoMessage() {
        assertThat(error("{\"messages\":[]}"))
                .isEqualTo(new LineError(1, "messages", "must not be empty"));
    }

    @Test
    void shouldReportWhenMessageIsNotAnObject() {
        assertThat(error(chat(USER, "\"hi\"")))
                .isEqualTo(new LineError(1, "messages[1]", "must be an object"));
    }

    @Test
    void shouldReportMissingRoleWhenMessageHasNone() {
        assertThat(error(chat(USER, "{\"content\":\"4\"}")))
                .isEqualTo(new LineError(1, "messages[1].role", "missing required field"));
    }

    @Test
    void shouldReportRoleWhenNotAString() {
        assertThat(error(chat("{\"role\":1,\"content\":\"x\"}", ASSISTANT)))
                .isEqualTo(new LineError(1, "messages[0].role", "must be a string"));
    }

    @Test
    void shouldListRolesWhenRoleIsUnknown() {
        assertThat(error(chat(USER, "{\"role\":\"bot\",\"content\":\"4\"}")))
                .isEqualTo(
                        new LineError(
                                1, "messages[1].role", "must be one of system, user, assistant"));
    }

    @Test
    void shouldReportMissingContentWhenMessageHasNone() {
        assertThat(error(chat("{\"role\":\"user\"}", ASSISTANT)))
                .isEqualTo(new LineError(1, "messages[0].content", "missing required field"));
    }

    @Test
    void shouldReportContentWhenNeitherStringNorParts() {
        assertThat(error(chat("{\"role\":\"user\",\"content\":null}", ASSISTANT)))
                .isEqualTo(
                        new LineError(
                                1,
                                "messages[0].content",
                                "must be a string or an array of text parts"));
    }

    @Test
    void shouldNameUnknownPartFieldWhenPartIsAnImage() {
        String user =
                "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"x\"}]}";

        assertThat(error(chat(user, ASSISTANT)))
                .isEqualTo(
                        new LineError(
                                1,
                                "messages[0].content[0].image_url",
                                "unknown field (expected type, text)"));
    }

    @Test
    void shouldReportPartTextWhenNotAString() {
        String user = "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":5}]}";

        assertThat(error(chat(user, ASSISTANT)))
                .isEqualTo(new LineError(1, "messages[0].content[0].text", "must be a string"));
    }

    @Test
    void shouldReportPartTypeWhenOnlyTextPartsAreSupported() {
        String user = "{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"text\":\"x\"}]}";

        assertThat(error(chat(user, ASSISTANT)))
                .isEqualTo(
                        new LineError(
                                1,
                                "messages[0].content[0].type",
                                "must be \"text\": only text content parts are supported"));
    }

    @Test
    void shouldRequireAssistantWhenConversationHasNoAnswer() {
        assertThat(error(chat(USER)))
                .isEqualTo(
                        new LineError(
                                1, "messages", "must contain at least one assistant message"));
    }

    @Test
    void shouldReportNameWhenNotAString() {
        assertThat(error(chat("{\"role\":\"user\",\"content\":\"x\",\"name\":3}", ASSISTANT)))
                .isEqualTo(new LineError(1, "messages[0].name", "must be a string"));
    }

    @Test
    void shouldReportWeightWhenNotZeroOrOne() {
        assertThat(error(chat(USER, "{\"role\":\"assistant\",\"content\":\"4\",\"weight\":2}")))
                .isEqualTo(new LineError(1, "messages[1].weight", "must be 0 or 1"));
        assertThat(error(chat(USER, "{\"role\":\"assistant\",\"content\":\"4\",\"weight\":\"1\"}")))
                .isEqualTo(new LineError(1, "messages[1].weight", "must be 0 or 1"));
    }

    @Test
    void shouldReportWeightWhenOnNonAssistantMessage() {
        assertThat(error(chat("{\"role\":\"user\",\"content\":\"x\",\"weight\":1}", ASSISTANT)))
                .isEqualTo(
                        new LineError(
                                1, "messages[0].weight", "is only allowed on assistant messages"));
    }

    @Test
    void shouldNameUnknownMessageFieldWhenItIsATypo() {
        assertThat(error(chat("{\"role\":\"user\",\"contnet\":\"x\"}", ASSISTANT)))
                .isEqualTo(
                        new LineError(
                                1,
                                "messages[0].contnet",
                                "unknown field (expected role, content, name, weight)"));
    }

    @Test
    void shouldNameUnknownTopLevelFieldWhenNotAllowedInChat() {
        String line = "{\"messages\":[" + USER + "," + ASSISTANT + "],\"metdata\":{}}";

        assertThat(error(line))
                .isEqualTo(
                        new LineError(
                                1,
                                "metdata",
                                "unknown field (expected messages, tools, parallel_tool_calls,"
                                        + " metadata)"));
    }

    @Test
    void shouldCheckOptionalTopLevelTypesWhenPresent() {
        String messages = "{\"messages\":[" + USER + "," + ASSISTANT + "],";

        assertThat(error(messages + "\"tools\":{}}"))
                .isEqualTo(new LineError(1, "tools", "must be an array"));
        assertThat(error(messages + "\"parallel_tool_calls\":\"yes\"}"))
                .isEqualTo(new LineError(1, "parallel_tool_calls", "must be a boolean"));
        assertThat(error(messages + "\"metadata\":[]}"))
                .isEqualTo(new LineError(1, "metadata", "must be an object"));
    }
}
