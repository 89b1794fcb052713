package dev.anneal.store.file.format;

import static dev.anneal.store.file.format.Jsonl.ASSISTANT;
import static dev.anneal.store.file.format.Jsonl.USER;
import static dev.anneal.store.file.format.Jsonl.chat;
import static dev.anneal.store.file.format.Jsonl.error;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Where one streaming pass could judge a line differently from reading it whole: the error must not
 * depend on the order of keys or on what the pass skipped.
 */
class LineShapeTest {

    @Test
    void shouldReportSyntaxErrorWhenItFollowsABrokenRule() {
        String line = "{\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}],\"tools\": nope}";

        assertThat(error(line).reason()).startsWith("invalid JSON: Unrecognized token 'nope'");
    }

    @Test
    void shouldReportDuplicateKeyWhenDeepInsideSkippedMetadata() {
        String line =
                "{\"messages\":[" + USER + "," + ASSISTANT + "],\"metadata\":{\"a\":1,\"a\":2}}";

        assertThat(error(line).reason()).startsWith("invalid JSON: Duplicate").contains("'a'");
    }

    @Test
    void shouldReportUnknownTopLevelKeyWhenItComesAfterABrokenMessage() {
        String line = "{\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}],\"metdata\":{}}";

        assertThat(error(line))
                .isEqualTo(
                        new LineError(
                                1,
                                "metdata",
                                "unknown field (expected messages, tools, parallel_tool_calls,"
                                        + " metadata)"));
    }

    @Test
    void shouldCheckRoleBeforeContentWhenContentComesFirst() {
        assertThat(error(chat("{\"content\":null,\"role\":\"bot\"}", ASSISTANT)))
                .isEqualTo(
                        new LineError(
                                1, "messages[0].role", "must be one of system, user, assistant"));
    }

    @Test
    void shouldNameUnknownMessageKeyWhenItFollowsABadRole() {
        assertThat(error(chat("{\"role\":\"bot\",\"content\":\"x\",\"tone\":\"warm\"}", ASSISTANT)))
                .isEqualTo(
                        new LineError(
                                1,
                                "messages[0].tone",
                                "unknown field (expected role, content, name, weight)"));
    }

    @Test
    void shouldReportFirstBrokenMessageWhenSeveralBreakRules() {
        String line = chat(USER, "{\"role\":\"assistant\"}", "{\"role\":1,\"content\":\"x\"}");

        assertThat(error(line))
                .isEqualTo(new LineError(1, "messages[1].content", "missing required field"));
    }

    @Test
    void shouldExplainLineBreaksWhenSkippedMessageTextDoesNotEnd() {
        String file =
                Jsonl.lines("{\"messages\":[{\"role\":\"user\",\"content\":\"first", "x\"}]}");

        assertThat(Jsonl.validate(file).errors().get(0))
                .isEqualTo(new LineError(1, null, JsonLineParser.UNTERMINATED_STRING));
    }

    @Test
    void shouldRefuseWeightWhenItIsOneBeyond64Bits() {
        // 2^64 + 1: its low 64 bits read as 1
        String answer =
                "{\"role\":\"assistant\",\"content\":\"4\",\"weight\":18446744073709551617}";

        assertThat(error(chat(USER, answer)))
                .isEqualTo(new LineError(1, "messages[1].weight", "must be 0 or 1"));
    }

    @Test
    void shouldAcceptMinusZeroWhenWeightIsZero() {
        String answer = "{\"role\":\"assistant\",\"content\":\"4\",\"weight\":-0}";

        assertThat(Jsonl.validate(chat(USER, answer) + "\n").errors()).isEmpty();
    }

    @Test
    void shouldFindEmptyTextWhenItIsWrittenAsEscapes() {
        assertThat(Jsonl.validate("{\"text\":\"\\u0000\"}\n").errors()).isEmpty();
        assertThat(error("{\"text\":\"\"}"))
                .isEqualTo(new LineError(1, "text", "must not be empty"));
    }

    @Test
    void shouldCompareDecodedStringsWhenPairIsWrittenWithEscapes() {
        assertThat(error("{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"\\u0061\"}"))
                .isEqualTo(new LineError(1, "rejected", "chosen and rejected are identical"));
    }
}
