package dev.anneal.api.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anneal.api.ListResponse;
import dev.anneal.api.auth.CurrentKey;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.events.InvalidPreferenceException;
import dev.anneal.events.PreferenceRecord;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.feedback.PreferenceFeedback;
import dev.anneal.store.feedback.PreferenceFeedbackRepository;
import dev.anneal.store.quota.Quotas;
import dev.anneal.store.session.PortalSession;
import dev.anneal.store.tenant.CurrentTenant;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
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
@TenantAccess(Scope.FEEDBACK_READ)
@Path("/v1/feedback")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Feedback")
public class FeedbackResource {

    static final int MAX_BATCH = 1000;

    private final FeedbackProducer producer;
    private final CurrentTenant currentTenant;
    private final Quotas quotas;
    private final ObjectMapper json;
    private final PreferenceFeedbackRepository feedback;
    private final CurrentKey currentKey;

    @Inject
    FeedbackResource(
            CurrentKey currentKey,
            FeedbackProducer producer,
            CurrentTenant currentTenant,
            Quotas quotas,
            ObjectMapper json,
            PreferenceFeedbackRepository feedback) {
        this.currentKey = currentKey;
        this.producer = producer;
        this.currentTenant = currentTenant;
        this.quotas = quotas;
        this.json = json;
        this.feedback = feedback;
    }

    @GET
    @Operation(
            summary =
                    "List the caller's stored feedback, newest first, filtered by model, type,"
                            + " annotator and time")
    public ListResponse<FeedbackObject> list(
            @QueryParam("model") String model,
            @QueryParam("type") String type,
            @QueryParam("annotator_id") String annotatorId,
            @QueryParam("created_after") String createdAfter,
            @QueryParam("created_before") String createdBefore,
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("20") int limit,
            @QueryParam("order") String order) {
        Page<PreferenceFeedback> page =
                feedback.list(
                        FeedbackQuery.filter(
                                model, type, annotatorId, createdAfter, createdBefore, ""),
                        new PageRequest(after, limit, PageRequest.newestFirst(order)));
        return ListResponse.of(
                page.data().stream().map(FeedbackObject::of).toList(),
                page.hasMore(),
                FeedbackObject::id);
    }

    @GET
    @Path("/{event_id}")
    @Operation(summary = "Retrieve one stored judgement by its event id")
    public FeedbackObject get(@PathParam("event_id") String eventId) {
        return FeedbackObject.of(
                feedback.find(PreferenceFeedbackRepository.eventId(eventId, "event_id"))
                        .orElseThrow(() -> new NotFoundException("feedback", eventId, "event_id")));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Submit preference feedback (pairwise judgements or ratings), one record or an"
                            + " array of up to 1000; repeated event ids are stored once")
    @TenantAccess(Scope.FEEDBACK_WRITE)
    public Response submit(InputStream content) throws IOException {
        // parsed here rather than bound by the framework, so that malformed JSON reaches the one
        // mapper of JSON errors like every other body's
        JsonNode body = json.readTree(content);
        if (body == null || body.isMissingNode()) {
            throw new InvalidRequestException(
                    "A JSON body is required: one feedback record or an array of them.", null);
        }
        String tenantId = currentTenant.require();
        // a person judging in the portal is its annotator, whatever the page sent
        PortalSession session = currentKey.session();
        String annotator = session == null ? null : session.subject();
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
                records.add(read(body.get(i), annotator, tenantId, now, "[" + i + "]"));
            }
        } else {
            records.add(read(body, annotator, tenantId, now, null));
        }
        quotas.takeFeedback(tenantId, records.size());
        try {
            producer.publish(records, batch);
        } catch (RuntimeException e) {
            quotas.returnFeedback(tenantId, records.size()); // not accepted: the client may retry
            throw e;
        }
        List<AcceptedFeedback> accepted =
                records.stream().map(r -> AcceptedFeedback.of(r.eventId().toString())).toList();
        return Response.accepted(ListResponse.of(accepted, false, AcceptedFeedback::eventId))
                .build();
    }

    /** Checks one record; a batch's records are named by their index, e.g. {@code [3].chosen}. */
    private static PreferenceRecord read(
            JsonNode node, String annotator, String tenantId, Instant now, String index) {
        if (annotator != null && node instanceof ObjectNode record) {
            record.put("annotator_id", annotator);
        }
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
