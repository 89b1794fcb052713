package dev.anneal.store.feedback;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.TenantId;

/**
 * One stored judgement: a pairwise comparison ({@code chosen} over {@code rejected}) or a rating
 * ({@code completion} with a {@code score}). Message lists and metadata are kept as the JSON text
 * of the record they came from; the fields of the other type are {@code null}.
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

    @Column(nullable = false)
    private String prompt;

    private String chosen;
    private String rejected;

    @Column(name = "chosen_model")
    private String chosenModel;

    @Column(name = "rejected_model")
    private String rejectedModel;

    private String completion;
    private String model;
    private Double score;

    @Column(name = "annotator_id")
    private String annotatorId;

    @Column(nullable = false)
    private String metadata;

    protected PreferenceFeedback() {}

    /** A judgement to store; message lists and metadata as JSON text. */
    public PreferenceFeedback(
            String tenantId,
            UUID eventId,
            String type,
            Instant createdAt,
            Instant receivedAt,
            String prompt,
            String chosen,
            String rejected,
            String chosenModel,
            String rejectedModel,
            String completion,
            String model,
            Double score,
            String annotatorId,
            String metadata) {
        this.tenantId = tenantId;
        this.eventId = eventId;
        this.type = type;
        this.createdAt = createdAt;
        this.receivedAt = receivedAt;
        this.prompt = prompt;
        this.chosen = chosen;
        this.rejected = rejected;
        this.chosenModel = chosenModel;
        this.rejectedModel = rejectedModel;
        this.completion = completion;
        this.model = model;
        this.score = score;
        this.annotatorId = annotatorId;
        this.metadata = metadata;
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
