package dev.anneal.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One human judgement on {@link Topics#PREFERENCES}, keyed by tenant id, as UTF-8 JSON (snake_case;
 * the contract is {@code docs/feedback.md} and {@code docs/schemas/preference-record.v1.json}). A
 * pairwise judgement:
 *
 * <pre>{@code
 * {"schema": "anneal.preference.v1", "event_id": "3f1c…", "tenant_id": "tenant-…",
 *  "created_at": "2026-11-27T14:00:00Z", "type": "pairwise",
 *  "prompt": [{"role": "user", "content": "…"}],
 *  "chosen": [{"role": "assistant", "content": "…"}],
 *  "rejected": [{"role": "assistant", "content": "…"}],
 *  "chosen_model": "…", "rejected_model": "…", "annotator_id": "…", "metadata": {"k": "v"}}
 * }</pre>
 *
 * A rating has {@code completion}, {@code model} and {@code score} in place of the two answers and
 * their models. {@code event_id} is made by the client and is the idempotency key: a record whose
 * tenant and event id were stored already changes nothing. Records are made only through {@link
 * #fromJson} and {@link #fromSubmission}, which check every field ({@link PreferenceReader}).
 *
 * @param schema always {@link #SCHEMA}
 * @param eventId the client's id of the judgement
 * @param tenantId the owning tenant
 * @param createdAt when the judgement was made
 * @param type {@link #PAIRWISE} or {@link #RATING}
 * @param prompt the conversation up to the judged answer(s)
 * @param chosen pairwise: the preferred answer (assistant messages), else {@code null}
 * @param rejected pairwise: the other answer, else {@code null}
 * @param chosenModel pairwise: the model that gave {@code chosen}, else {@code null}
 * @param rejectedModel pairwise: the model that gave {@code rejected}, else {@code null}
 * @param completion rating: the rated answer, else {@code null}
 * @param model rating: the model that gave {@code completion}, else {@code null}
 * @param score rating: the score (thumbs are +1 and −1), else {@code null}
 * @param annotatorId who judged, or {@code null}
 * @param metadata at most {@value PreferenceReader#MAX_METADATA} string pairs, never {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PreferenceRecord(
        @JsonProperty("schema") String schema,
        UUID eventId,
        String tenantId,
        Instant createdAt,
        String type,
        List<Message> prompt,
        List<Message> chosen,
        List<Message> rejected,
        String chosenModel,
        String rejectedModel,
        List<Message> completion,
        String model,
        Double score,
        String annotatorId,
        Map<String, String> metadata) {

    /** The name and version of this record type. */
    public static final String SCHEMA = "anneal.preference.v1";

    /** A comparison of two answers to the same prompt. */
    public static final String PAIRWISE = "pairwise";

    /** A score given to one answer. */
    public static final String RATING = "rating";

    /** One chat message. */
    public record Message(String role, String content) {}

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** The record as UTF-8 JSON, the topic's value. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a record from the topic: UTF-8 JSON with every field of the contract, {@code tenant_id}
     * and {@code created_at} included.
     *
     * @throws InvalidPreferenceException naming the problem and the field at fault
     */
    public static PreferenceRecord fromJson(byte[] value) {
        return PreferenceReader.fromTopic(value, null);
    }

    /**
     * Reads a record from {@code topic}: on a tenant's own topic ({@link Topics#tenantOf}) the
     * tenant is the topic's, and {@code tenant_id} may be left out or must name it.
     *
     * @throws InvalidPreferenceException naming the problem and the field at fault
     */
    public static PreferenceRecord fromTopic(String topic, byte[] value) {
        return PreferenceReader.fromTopic(value, Topics.tenantOf(topic));
    }

    /**
     * Reads a record submitted on behalf of {@code tenantId} (already parsed JSON): {@code
     * tenant_id} may be left out or name that tenant, {@code created_at} defaults to {@code now}.
     *
     * @throws InvalidPreferenceException naming the field at fault
     */
    public static PreferenceRecord fromSubmission(JsonNode node, String tenantId, Instant now) {
        return PreferenceReader.fromSubmission(node, tenantId, now);
    }
}
