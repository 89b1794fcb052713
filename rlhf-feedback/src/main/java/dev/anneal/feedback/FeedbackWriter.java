package dev.anneal.feedback;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.anneal.events.PreferenceRecord;
import dev.anneal.events.PreferenceRecord.Message;
import dev.anneal.store.UnitOfWork;
import dev.anneal.store.feedback.FeedbackRow;
import dev.anneal.store.feedback.PreferenceFeedbackRepository;
import dev.anneal.store.tenant.TenantRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /**
     * Writes the stored texts straight from the parsed record, in the shape (and with the escapes)
     * of Jackson's data binding of the same values: equal texts must keep hashing alike.
     */
    private static final JsonFactory JSON = new JsonFactory();

    private final TenantRepository tenants;
    private final PreferenceFeedbackRepository feedback;

    /** A valid record's row and where the record was read. */
    record Valid(ConsumerRecord<byte[], byte[]> source, FeedbackRow row) {}

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
                tenants.existingKept(
                        batch.stream().map(v -> v.row().tenantId()).collect(Collectors.toSet()));
        List<FeedbackRow> rows = new ArrayList<>(batch.size());
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
    static FeedbackRow row(PreferenceRecord r, Instant receivedAt) {
        return new FeedbackRow(
                r.tenantId(),
                r.eventId(),
                r.type(),
                r.createdAt(),
                receivedAt,
                messages(r.prompt()),
                messages(r.chosen()),
                messages(r.rejected()),
                r.chosenModel(),
                r.rejectedModel(),
                messages(r.completion()),
                r.model(),
                r.score(),
                r.annotatorId(),
                metadata(r.metadata()));
    }

    /** {@code [{"role":…,"content":…},…]}, or {@code null} for none. */
    static String messages(List<Message> messages) {
        if (messages == null) {
            return null;
        }
        StringWriter text = new StringWriter(64);
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartArray();
            for (Message message : messages) {
                json.writeStartObject();
                json.writeStringField("role", message.role());
                json.writeStringField("content", message.content());
                json.writeEndObject();
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** {@code {"key":"value",…}}, in the record's order. */
    static String metadata(Map<String, String> metadata) {
        if (metadata == null) {
            return null;
        }
        StringWriter text = new StringWriter(16);
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartObject();
            for (Map.Entry<String, String> pair : metadata.entrySet()) {
                json.writeStringField(pair.getKey(), pair.getValue());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
