package dev.anneal.store.feedback;

import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.KeyUnwrapException;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.hibernate.annotations.TenantId;

/**
 * One stored judgement: a pairwise comparison ({@code chosen} over {@code rejected}) or a rating
 * ({@code completion} with a {@code score}). Message lists and metadata are the JSON text of the
 * record they came from; the fields of the other type are {@code null}. In the database they are
 * sealed with the tenant's data key ({@link #seal}, {@link #open}), beside keyed hashes of the
 * prompt and answers; ids, models, annotator, type, score and times stay plain, to filter by.
 */
@Entity
@Table(name = "preference_feedback")
public class PreferenceFeedback {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private long seq;

    @TenantId
    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    @Column(name = "event_id", nullable = false)
    private UUID eventId;

    @Column(nullable = false)
    private String type;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "received_at", nullable = false)
    private Instant receivedAt;

    @Transient private String prompt;
    @Transient private String chosen;
    @Transient private String rejected;

    @Column(name = "prompt_sealed")
    private byte[] promptSealed;

    @Column(name = "chosen_sealed")
    private byte[] chosenSealed;

    @Column(name = "rejected_sealed")
    private byte[] rejectedSealed;

    @Column(name = "completion_sealed")
    private byte[] completionSealed;

    @Column(name = "metadata_sealed")
    private byte[] metadataSealed;

    @Column(name = "prompt_hash")
    private byte[] promptHash;

    @Column(name = "chosen_hash")
    private byte[] chosenHash;

    @Column(name = "rejected_hash")
    private byte[] rejectedHash;

    @Column(name = "chosen_model")
    private String chosenModel;

    @Column(name = "rejected_model")
    private String rejectedModel;

    @Transient private String completion;
    private String model;
    private Double score;

    @Column(name = "annotator_id")
    private String annotatorId;

    @Transient private String metadata;

    protected PreferenceFeedback() {}

    /** A judgement to store, from its plain values; {@link #seal} seals it. */
    public PreferenceFeedback(FeedbackRow row) {
        this.tenantId = row.tenantId();
        this.eventId = row.eventId();
        this.type = row.type();
        this.createdAt = row.createdAt();
        this.receivedAt = row.receivedAt();
        this.prompt = row.prompt();
        this.chosen = row.chosen();
        this.rejected = row.rejected();
        this.chosenModel = row.chosenModel();
        this.rejectedModel = row.rejectedModel();
        this.completion = row.completion();
        this.model = row.model();
        this.score = row.score();
        this.annotatorId = row.annotatorId();
        this.metadata = row.metadata();
    }

    /**
     * Seals the texts with the tenant's current data key, each bound to this tenant, event and
     * column, and computes under {@code groupingKey} the keyed hashes that aggregation groups by;
     * before storing.
     */
    void seal(DataKey key, DataKey groupingKey) {
        promptSealed = seal(key, "prompt", prompt);
        chosenSealed = seal(key, "chosen", chosen);
        rejectedSealed = seal(key, "rejected", rejected);
        completionSealed = seal(key, "completion", completion);
        metadataSealed = seal(key, "metadata", metadata);
        promptHash = textHash(groupingKey, prompt);
        chosenHash = textHash(groupingKey, chosen);
        rejectedHash = textHash(groupingKey, rejected);
    }

    /**
     * Opens the sealed texts with whichever of the tenant's data keys (current first) sealed them;
     * after loading.
     */
    void open(List<DataKey> keys) {
        for (int i = 0; i < keys.size(); i++) {
            try {
                open(keys.get(i));
                return;
            } catch (KeyUnwrapException e) {
                if (i == keys.size() - 1) {
                    throw e;
                }
            }
        }
    }

    private void open(DataKey key) {
        prompt = open(key, "prompt", promptSealed);
        chosen = open(key, "chosen", chosenSealed);
        rejected = open(key, "rejected", rejectedSealed);
        completion = open(key, "completion", completionSealed);
        metadata = open(key, "metadata", metadataSealed);
    }

    private byte[] seal(DataKey key, String column, String text) {
        return sealed(key, tenantId, eventId, column, text);
    }

    /**
     * A text sealed with {@code key} for its place: the tenant, the event and the column ({@code
     * prompt}, {@code chosen}, {@code rejected}, {@code completion} or {@code metadata}).
     */
    static byte[] sealed(DataKey key, String tenantId, UUID eventId, String column, String text) {
        return text == null
                ? null
                : key.seal(
                        text.getBytes(StandardCharsets.UTF_8), placeOf(tenantId, eventId, column));
    }

    private String open(DataKey key, String column, byte[] sealed) {
        return sealed == null
                ? null
                : new String(key.open(sealed, placeOf(column)), StandardCharsets.UTF_8);
    }

    private byte[] placeOf(String column) {
        return placeOf(tenantId, eventId, column);
    }

    private static byte[] placeOf(String tenantId, UUID eventId, String column) {
        return ("preference_feedback:" + tenantId + ":" + eventId + ":" + column)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The keyed hash of a text: equal texts of one tenant hash alike, nothing else is revealed. */
    static byte[] textHash(DataKey key, String text) {
        return text == null
                ? null
                : key.hmacSha256(
                        ("anneal:feedback-text:v1\u0000" + text).getBytes(StandardCharsets.UTF_8));
    }

    byte[] sealed(String column) {
        return switch (column) {
            case "prompt_sealed" -> promptSealed;
            case "chosen_sealed" -> chosenSealed;
            case "rejected_sealed" -> rejectedSealed;
            case "completion_sealed" -> completionSealed;
            case "metadata_sealed" -> metadataSealed;
            case "prompt_hash" -> promptHash;
            case "chosen_hash" -> chosenHash;
            case "rejected_hash" -> rejectedHash;
            default -> throw new IllegalArgumentException(column);
        };
    }

    /** The keyed hash of the prompt, for grouping; null before sealing. */
    public byte[] promptHash() {
        return promptHash;
    }

    public byte[] chosenHash() {
        return chosenHash;
    }

    public byte[] rejectedHash() {
        return rejectedHash;
    }

    /** The order of storage; later judgements have larger numbers. */
    public long seq() {
        return seq;
    }

    public String tenantId() {
        return tenantId;
    }

    public UUID eventId() {
        return eventId;
    }

    /** {@code pairwise} or {@code rating}. */
    public String type() {
        return type;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** When the consumer stored it. */
    public Instant receivedAt() {
        return receivedAt;
    }

    public String prompt() {
        return prompt;
    }

    public String chosen() {
        return chosen;
    }

    public String rejected() {
        return rejected;
    }

    public String chosenModel() {
        return chosenModel;
    }

    public String rejectedModel() {
        return rejectedModel;
    }

    public String completion() {
        return completion;
    }

    public String model() {
        return model;
    }

    public Double score() {
        return score;
    }

    public String annotatorId() {
        return annotatorId;
    }

    public String metadata() {
        return metadata;
    }
}
