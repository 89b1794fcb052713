package dev.anneal.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.events.PreferenceRecord;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.feedback.PreferenceFeedback;
import dev.anneal.store.feedback.PreferenceFeedbackRepository;
import dev.anneal.store.tenant.TenantRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns valid records into rows ({@link #row}, on the consumer thread) and stores a batch of them
 * in one transaction ({@link #store}, on the store thread): those of unknown tenants are handed
 * back as dead letters, the rest inserted unless their (tenant, event id) is stored already.
 */
@ApplicationScoped
public class FeedbackWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TenantRepository tenants;
    private final PreferenceFeedbackRepository feedback;

    /** A valid record's row and where the record was read. */
    record Valid(ConsumerRecord<byte[], byte[]> source, PreferenceFeedback row) {}

    /** What became of a batch: new rows, repeats, and records to dead-letter. */
    record Outcome(int stored, int duplicates, List<DeadLetter> unknownTenants) {}

    @Inject
    FeedbackWriter(TenantRepository tenants, PreferenceFeedbackRepository feedback) {
        this.tenants = tenants;
        this.feedback = feedback;
    }

    /** Stores {@code batch}; throws, having stored nothing, when the database fails. */
    Outcome store(List<Valid> batch) {
        return UnitOfWork.call(() -> QuarkusTransaction.requiringNew().call(() -> inserted(batch)));
    }

    private Outcome inserted(List<Valid> batch) {
        Set<String> known =
                tenants.existing(
                        batch.stream().map(v -> v.row().tenantId()).collect(Collectors.toSet()));
        List<PreferenceFeedback> rows = new ArrayList<>(batch.size());
        List<DeadLetter> unknown = new ArrayList<>();
        for (Valid valid : batch) {
            String tenant = valid.row().tenantId();
            if (known.contains(tenant)) {
                rows.add(valid.row());
            } else {
                unknown.add(
                        new DeadLetter(
                                valid.source(),
                                DeadLetter.UNKNOWN_TENANT,
                                "tenant_id",
                                "No tenant '" + tenant + "' exists."));
            }
        }
        int stored = feedback.storeAll(rows);
        return new Outcome(stored, rows.size() - stored, unknown);
    }

    /**
     * The row of a valid record, its messages and metadata as JSON text.
     *
     * @param receivedAt when the consumer read it
     */
    static PreferenceFeedback row(PreferenceRecord r, Instant receivedAt) {
        return new PreferenceFeedback(
                r.tenantId(),
                r.eventId(),
                r.type(),
                r.createdAt(),
                receivedAt,
                json(r.prompt()),
                json(r.chosen()),
                json(r.rejected()),
                r.chosenModel(),
                r.rejectedModel(),
                json(r.completion()),
                r.model(),
                r.score(),
                r.annotatorId(),
                json(r.metadata()));
    }

    private static String json(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Messages and metadata are always serialisable", e);
        }
    }
}
