package dev.anneal.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.events.PreferenceRecord.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeedbackWriterTest {

    /** What stored rows held before the texts were written without data binding. */
    private static final ObjectMapper DATA_BINDING = new ObjectMapper();

    private static final String AWKWARD =
            "Quote \" backslash \\ slash / tab \t newline \n nul-free \u0001 \u001f \u007f é 漢字 😀"
                    + " \u2028 </script>";

    @Test
    void shouldWriteMessagesAsDataBindingDidWhenTheyHoldEscapesAndNonAscii() throws Exception {
        List<Message> messages = List.of(new Message("system", AWKWARD), new Message("user", ""));

        assertThat(FeedbackWriter.messages(messages))
                .isEqualTo(DATA_BINDING.writeValueAsString(messages))
                .startsWith("[{\"role\":\"system\",\"content\":\"Quote \\\"");
    }

    @Test
    void shouldWriteMetadataInTheRecordsOrderAsDataBindingDid() throws Exception {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("z", AWKWARD);
        metadata.put("a", "b");

        assertThat(FeedbackWriter.metadata(metadata))
                .isEqualTo(DATA_BINDING.writeValueAsString(metadata));
        assertThat(FeedbackWriter.metadata(Map.of())).isEqualTo("{}");
    }

    @Test
    void shouldWriteNothingWhenARecordHasNoSuchMessages() {
        assertThat(FeedbackWriter.messages(null)).isNull();
    }
}
