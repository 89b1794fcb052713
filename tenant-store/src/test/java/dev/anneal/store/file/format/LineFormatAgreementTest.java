package dev.anneal.store.file.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.LineFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One table of lines that both the upload validation and the engine read: each line has the same
 * format for both, or both refuse it with the same reason.
 */
class LineFormatAgreementTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
                    {"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]} | chat
                    {"prompt":"a","completion":"b"}                                                | prompt_completion
                    {"prompt":"a","chosen":"b","rejected":"c"}                                      | preference
                    {"input":{"messages":[{"role":"user","content":"a"}]},"preferred_output":[{"role":"assistant","content":"b"}],"non_preferred_output":[{"role":"assistant","content":"c"}]} | preference
                    {"text":"a"}                                                                    | text
                    {"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"chosen":"x"} | AMBIGUOUS chat preference
                    {"prompt":"a","completion":"b","rejected":"c"}                                  | AMBIGUOUS prompt_completion preference
                    {"messages":[{"role":"assistant","content":"b"}],"text":"a"}                    | AMBIGUOUS chat text
                    {"text":"a","completion":"b"}                                                   | AMBIGUOUS prompt_completion text
                    {"question":"a","answer":"b"}                                                   | NONE
                    """)
    void shouldReadEveryLineAlikeWhenItIsUploadedAndWhenItIsTrained(String line, String expected)
            throws Exception {
        JsonNode node = JSON.readTree(line);
        ValidationResult upload = Jsonl.validate(line + "\n");

        if (expected.startsWith("AMBIGUOUS") || expected.equals("NONE")) {
            assertThatThrownBy(() -> LineFormat.detect(node::has, null))
                    .isInstanceOf(InvalidTrainingDataException.class)
                    .satisfies(
                            e -> {
                                String reason = ((InvalidTrainingDataException) e).reason();
                                assertThat(upload.errors())
                                        .containsExactly(new LineError(1, null, reason));
                                for (String format : expected.split(" ")) {
                                    if (!format.equals("AMBIGUOUS") && !format.equals("NONE")) {
                                        assertThat(reason).contains(format + " (");
                                    }
                                }
                            });
            assertThat(upload.format()).isNull();
        } else {
            LineFormat engine = LineFormat.detect(node::has, null);
            assertThat(engine.wireName()).isEqualTo(expected);
            assertThat(upload.errors()).isEmpty();
            assertThat(upload.format()).isEqualTo(DatasetFormat.of(engine));
        }
    }
}
