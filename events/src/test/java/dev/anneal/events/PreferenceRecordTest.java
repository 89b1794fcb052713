package dev.anneal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.events.InvalidPreferenceException.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PreferenceRecordTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EVENT_ID = "0b0e6c1e-6b7e-4a43-9a53-6f8f1f3d2c11";

    static ObjectNode pairwise() throws Exception {
        return (ObjectNode)
                JSON.readTree(
                        """
                        {"event_id":"%s","tenant_id":"tenant-a","created_at":"2026-11-27T14:00:00+01:00",
                         "type":"pairwise","prompt":[{"role":"user","content":"Hi"}],
                         "chosen":[{"role":"assistant","content":"Hello!"}],
                         "rejected":[{"role":"assistant","content":"Go away."}],
                         "chosen_model":"m1","rejected_model":"m2","annotator_id":"ann-7",
                         "metadata":{"ui":"portal"}}
                        """
                                .formatted(EVENT_ID));
    }

    static ObjectNode rating() throws Exception {
        return (ObjectNode)
                JSON.readTree(
                        """
                        {"event_id":"%s","tenant_id":"tenant-a","created_at":"2026-11-27T14:00:00Z",
                         "type":"rating","prompt":[{"role":"user","content":"Hi"}],
                         "completion":[{"role":"assistant","content":"Hello!"}],
                         "model":"m1","score":-1}
                        """
                                .formatted(EVENT_ID));
    }

    private static byte[] bytes(ObjectNode node) throws Exception {
        return JSON.writeValueAsBytes(node);
    }

    @Test
    void shouldReadAPairwiseRecordAndWriteItBackUnchanged() throws Exception {
        PreferenceRecord record = PreferenceRecord.fromJson(bytes(pairwise()));

        assertThat(record.eventId()).isEqualTo(UUID.fromString(EVENT_ID));
        assertThat(record.createdAt()).isEqualTo(Instant.parse("2026-11-27T13:00:00Z"));
        assertThat(record.chosen())
                .containsExactly(new PreferenceRecord.Message("assistant", "Hello!"));
        assertThat(record.metadata()).containsEntry("ui", "portal");
        assertThat(PreferenceRecord.fromJson(record.toJson())).isEqualTo(record);
        assertThat(JSON.readTree(record.toJson()).get("schema").asText())
                .isEqualTo(PreferenceRecord.SCHEMA);
    }

    @Test
    void shouldReadARatingWithAThumbsScore() throws Exception {
        PreferenceRecord record = PreferenceRecord.fromJson(bytes(rating()));

        assertThat(record.score()).isEqualTo(-1.0);
        assertThat(record.chosen()).isNull();
        assertThat(JSON.readTree(record.toJson()).has("chosen")).isFalse();
    }

    @Test
    void shouldNameTheFieldWhenAMessageRoleIsWrong() throws Exception {
        ObjectNode node = pairwise();
        ((ObjectNode) node.withArray("prompt").get(0)).put("role", "robot");

        assertInvalid(node, "prompt[0].role");
    }

    @Test
    void shouldRefuseAUserMessageInAnAnswer() throws Exception {
        ObjectNode node = pairwise();
        ((ObjectNode) node.withArray("rejected").get(0)).put("role", "user");

        assertInvalid(node, "rejected[0].role");
    }

    @Test
    void shouldRefuseMissingAndMisplacedFields() throws Exception {
        assertInvalid(pairwise().without("chosen"), "chosen");
        assertInvalid(pairwise().put("score", 1), "score");
        assertInvalid(rating().without("score"), "score");
        assertInvalid(rating().put("score", "good"), "score");
        assertInvalid(pairwise().put("colour", "red"), "colour");
        assertInvalid(pairwise().put("type", "ranking"), "type");
        assertInvalid(pairwise().put("event_id", "not-a-uuid"), "event_id");
        assertInvalid(pairwise().put("created_at", "yesterday"), "created_at");
        assertInvalid(pairwise().without("tenant_id"), "tenant_id");
        assertInvalid(pairwise().put("schema", "anneal.preference.v2"), "schema");
        ObjectNode emptyPrompt = pairwise();
        emptyPrompt.putArray("prompt");
        assertInvalid(emptyPrompt, "prompt");
    }

    @Test
    void shouldRefuseTheNulCharacterThatPostgresCannotStore() throws Exception {
        ObjectNode node = pairwise();
        ((ObjectNode) node.withArray("chosen").get(0)).put("content", "a" + (char) 0 + "b");

        assertInvalid(node, "chosen[0].content");
    }

    @Test
    void shouldLimitMetadata() throws Exception {
        ObjectNode tooMany = pairwise();
        ObjectNode metadata = tooMany.putObject("metadata");
        for (int i = 0; i <= 16; i++) {
            metadata.put("k" + i, "v");
        }
        assertInvalid(tooMany, "metadata");

        ObjectNode notString = pairwise();
        notString.putObject("metadata").put("count", 3);
        assertInvalid(notString, "metadata.count");
    }

    @Test
    void shouldTellBytesThatAreNotUtf8FromTextThatIsNotJson() {
        byte[] latin1 = "{\"prompt\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> PreferenceRecord.fromJson(latin1))
                .isInstanceOfSatisfying(
                        InvalidPreferenceException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.NOT_UTF8));
        assertThatThrownBy(
                        () ->
                                PreferenceRecord.fromJson(
                                        "{\"type\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        InvalidPreferenceException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.INVALID_JSON));
    }

    @Test
    void shouldTakeTheTenantOfASubmissionFromTheCaller() throws Exception {
        Instant now = Instant.parse("2026-11-27T15:00:00Z");
        ObjectNode node = pairwise().without(java.util.List.of("tenant_id", "created_at"));

        PreferenceRecord record = PreferenceRecord.fromSubmission(node, "tenant-b", now);

        assertThat(record.tenantId()).isEqualTo("tenant-b");
        assertThat(record.createdAt()).isEqualTo(now);
        assertThat(PreferenceRecord.fromSubmission(pairwise(), "tenant-a", now).tenantId())
                .isEqualTo("tenant-a");
        assertThatThrownBy(() -> PreferenceRecord.fromSubmission(pairwise(), "tenant-b", now))
                .isInstanceOfSatisfying(
                        InvalidPreferenceException.class,
                        e -> assertThat(e.field()).isEqualTo("tenant_id"));
    }

    private static void assertInvalid(ObjectNode node, String field) throws Exception {
        byte[] value = bytes(node);
        assertThatThrownBy(() -> PreferenceRecord.fromJson(value))
                .isInstanceOfSatisfying(
                        InvalidPreferenceException.class,
                        e -> {
                            assertThat(e.problem()).isEqualTo(Problem.INVALID_RECORD);
                            assertThat(e.field()).isEqualTo(field);
                            assertThat(e.getMessage()).contains(field.replaceAll("\\..*", ""));
                        });
    }
}
