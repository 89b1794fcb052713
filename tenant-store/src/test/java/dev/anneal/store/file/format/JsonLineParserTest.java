package dev.anneal.store.file.format;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a line that is not exactly one JSON object gets told. */
class JsonLineParserTest {

    private static final String TEXT = "{\"text\":\"hello\"}";

    @ParameterizedTest
    @ValueSource(strings = {"[{\"text\":\"a\"}]", "[", "\"just a string\"", "42", "true", "null"})
    void shouldAskForOneObjectWhenLineIsArrayOrScalar(String line) {
        assertThat(onlyError(line))
                .isEqualTo(new LineError(1, null, "each line must be one JSON object"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                TEXT + " {\"text\":\"b\"}",
                TEXT + " x",
                TEXT + "]",
                TEXT + ",",
                TEXT + " 1"
            })
    void shouldReportTrailingContentWhenSomethingFollowsTheObject(String line) {
        assertThat(onlyError(line))
                .isEqualTo(new LineError(1, null, "unexpected content after the JSON object"));
    }

    @Test
    void shouldAcceptWhitespaceWhenAroundTheObject() {
        assertThat(Jsonl.validate("  " + TEXT + " \t\n").isValid()).isTrue();
    }

    @Test
    void shouldGiveJacksonReasonWithoutLocationWhenJsonIsInvalid() {
        LineError error = onlyError("{\"text\": hello}");

        assertThat(error.field()).isNull();
        assertThat(error.reason())
                .startsWith("invalid JSON: Unrecognized token 'hello'")
                .doesNotContain("[Source", "line:", "column:", "\n");
    }

    @Test
    void shouldGiveShortReasonWhenCloseMarkerIsWrong() {
        LineError error = onlyError("{\"text\": [\"a\"}");

        assertThat(error.reason())
                .startsWith("invalid JSON: Unexpected close marker")
                .doesNotContain("[Source");
    }

    @Test
    void shouldReportDuplicateFieldWhenKeyAppearsTwice() {
        LineError error = onlyError("{\"text\":\"a\",\"text\":\"b\"}");

        assertThat(error.reason()).startsWith("invalid JSON: Duplicate").contains("'text'");
    }

    @Test
    void shouldRejectNulBytesWhenAtStartOfLine() {
        assertThat(onlyError("{\u0000}\u0000").reason())
                .isEqualTo("invalid JSON: unexpected NUL byte");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{",
                "{\"messages\": [",
                "  \"role\": \"user\",",
                "\"text\" : \"x\"",
                "}",
                "},",
                "  ]"
            })
    void shouldSuspectPrettyPrintedJsonWhenLineIsAFragmentOfAnObject(String line) {
        LineError error = onlyError(line);

        assertThat(error.reason())
                .isEqualTo(JsonLineParser.PRETTY_PRINTED)
                .contains("pretty-printed", "one JSON object per line");
    }

    @Test
    void shouldReportEveryFragmentWhenWholeFileIsPrettyPrinted() {
        String file = Jsonl.lines("{", "  \"prompt\": \"a\",", "  \"completion\": \"b\"", "}");

        ValidationResult result = Jsonl.validate(file);

        assertThat(result.errors())
                .extracting(LineError::reason)
                .containsOnly(JsonLineParser.PRETTY_PRINTED)
                .hasSize(4);
    }

    @Test
    void shouldExplainLineBreaksWhenStringDoesNotEndOnItsLine() {
        ValidationResult result = Jsonl.validate(Jsonl.lines("{\"text\":\"first", "second\"}"));

        assertThat(result.errors().get(0))
                .isEqualTo(
                        new LineError(
                                1,
                                null,
                                "a string does not end on this line:"
                                        + " line breaks inside strings must be written as \\n"));
    }

    private static LineError onlyError(String line) {
        ValidationResult result = Jsonl.validate(line + "\n");
        assertThat(result.errors()).hasSize(1);
        return result.errors().get(0);
    }
}
