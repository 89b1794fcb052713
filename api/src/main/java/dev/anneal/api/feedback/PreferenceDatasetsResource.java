package dev.anneal.api.feedback;

import dev.anneal.api.audit.Audited;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.api.file.FileObject;
import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.feedback.PreferenceAggregation;
import dev.anneal.store.feedback.PreferenceFeedbackRepository;
import dev.anneal.store.file.FilePurpose;
import dev.anneal.store.file.FileService;
import dev.anneal.store.file.FileUpload;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Makes a preference dataset from the caller's stored pairwise judgements: a new file of the tenant
 * in OpenAI's preference format, validated like an upload, whose id is the {@code training_file} of
 * a DPO job. The judgements stay in the store as they were given; aggregation ({@link
 * PreferenceAggregation}) happens only here.
 */
@TenantAccess(Scope.FEEDBACK_READ)
@Path("/v1/preference_datasets")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Feedback")
public class PreferenceDatasetsResource {

    /** The request: which judgements, how to aggregate them, the file's name. */
    public record CreateDatasetRequest(
            Filters filters, String aggregation, Integer minAnnotators, String filename) {}

    /** The filters, as for listing feedback. */
    public record Filters(
            String model,
            String type,
            String annotatorId,
            String createdAfter,
            String createdBefore) {}

    private final PreferenceFeedbackRepository feedback;
    private final FileService files;

    @Inject
    PreferenceDatasetsResource(PreferenceFeedbackRepository feedback, FileService files) {
        this.feedback = feedback;
        this.files = files;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Export pairwise feedback as a preference dataset file (aggregation 'all' or"
                            + " 'majority' with min_annotators)")
    @Audited("feedback.export")
    public FileObject create(CreateDatasetRequest request) {
        CreateDatasetRequest body =
                request == null ? new CreateDatasetRequest(null, null, null, null) : request;
        Filters f =
                body.filters() == null ? new Filters(null, null, null, null, null) : body.filters();
        PreferenceAggregation.Mode mode = PreferenceAggregation.Mode.of(body.aggregation());
        int minAnnotators = body.minAnnotators() == null ? 1 : body.minAnnotators();
        String filename = body.filename() == null ? "preferences.jsonl" : body.filename();
        try (FileUpload upload = files.begin(filename, 0)) {
            PreferenceAggregation aggregation =
                    new PreferenceAggregation(
                            mode, minAnnotators, line -> upload.write(line, 0, line.length));
            feedback.forEach(
                    FeedbackQuery.filter(
                                    f.model(),
                                    f.type(),
                                    f.annotatorId(),
                                    f.createdAfter(),
                                    f.createdBefore(),
                                    "filters.")
                            .pairwiseOnly(),
                    aggregation);
            aggregation.finish();
            if (aggregation.pairs() == 0) {
                throw new InvalidRequestException(
                        aggregation.judgements() == 0
                                ? "No pairwise feedback matches the filters."
                                : "None of the "
                                        + aggregation.judgements()
                                        + " matching judgements made a pair under aggregation"
                                        + " 'majority' (ties and pairs with fewer than "
                                        + minAnnotators
                                        + " annotators are left out).",
                        "filters",
                        "empty_dataset");
            }
            return FileObject.of(upload.complete(FilePurpose.FINE_TUNE));
        }
    }
}
