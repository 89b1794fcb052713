package dev.anneal.api.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anneal.api.ListResponse;
import dev.anneal.events.InvalidPreferenceException;
import dev.anneal.events.PreferenceRecord;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.tenant.CurrentTenant;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Takes human preference feedback for the calling tenant: one record (a JSON object) or a batch of
 * up to {@value #MAX_BATCH} (a JSON array), all checked before any is produced, answered 202 with
 * the accepted event ids once Kafka acknowledged every one. The contract is {@code
 * docs/feedback.md}.
 */
@Path("/v1/feedback")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Feedback")
public class FeedbackResource {

    static final int MAX_BATCH = 1000;

    private final FeedbackProducer producer;
    private final CurrentTenant currentTenant;
    private final ObjectMapper json;

    @Inject
    FeedbackResource(FeedbackProducer producer, CurrentTenant currentTenant, ObjectMapper json) {
        this.producer = producer;
        this.currentTenant = currentTenant;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Submit preference feedback (pairwise judgements or ratings), one record or an"
                            + " array of up to 1000; repeated event ids are stored once")
    public Response submit(InputStream content) throws IOException {
        // parsed here rather than bound by the framework, so that malformed JSON reaches the one
        // mapper of JSON errors like every other body's
        JsonNode body = json.readTree(content);
        if (body == null || body.isMissingNode()) {
            throw new InvalidRequestException(
                    "A JSON body is required: one feedback record or an array of them.", null);
        }
        String tenantId = currentTenant.require();
        Instant now = Instant.now();
        boolean batch = body.isArray();
        List<PreferenceRecord> records = new ArrayList<>();
        if (batch) {
            if (body.isEmpty() || body.size() > MAX_BATCH) {
                throw new InvalidRequestException(
                        "A batch holds 1 to "
                                + MAX_BATCH
                                + " records; this one has "
                                + body.size()
                                + ".",
                        null,
                        "invalid_batch_size");
            }
            for (int i = 0; i < body.size(); i++) {
                records.add(read(body.get(i), tenantId, now, "[" + i + "]"));
            }
        } else {
            records.add(read(body, tenantId, now, null));
        }
        producer.publish(records, batch);
        List<AcceptedFeedback> accepted =
                records.stream().map(r -> AcceptedFeedback.of(r.eventId().toString())).toList();
        return Response.accepted(ListResponse.of(accepted, false, AcceptedFeedback::eventId))
                .build();
    }

    /** Checks one record; a batch's records are named by their index, e.g. {@code [3].chosen}. */
    private static PreferenceRecord read(
            JsonNode node, String tenantId, Instant now, String index) {
        try {
            return PreferenceRecord.fromSubmission(node, tenantId, now);
        } catch (InvalidPreferenceException e) {
            if (index == null) {
                throw new InvalidRequestException(e.getMessage(), e.field());
            }
            String param = e.field() == null ? index : index + "." + e.field();
            throw new InvalidRequestException("Record " + index + ": " + e.getMessage(), param);
        }
    }
}
