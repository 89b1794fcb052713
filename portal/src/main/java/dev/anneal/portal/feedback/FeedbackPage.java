package dev.anneal.portal.feedback;

import dev.anneal.api.ListResponse;
import dev.anneal.api.auth.TenantAccess;
import dev.anneal.api.feedback.FeedbackObject;
import dev.anneal.api.feedback.FeedbackResource;
import dev.anneal.api.feedback.PreferenceDatasetsResource.Filters;
import dev.anneal.api.file.FileObject;
import dev.anneal.api.file.FilesResource;
import dev.anneal.portal.Pages;
import dev.anneal.portal.PortalPage;
import dev.anneal.store.apikey.Scope;
import dev.anneal.store.feedback.PreferenceFeedbackRepository;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateExtension;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Feedback: win rates per pair of models, the judgements with the API's filters ({@link
 * FeedbackResource} itself), and turning them into a preference dataset (through {@code POST
 * /v1/preference_datasets}) to train on with DPO.
 */
@PortalPage
@Path("/feedback")
@Produces(MediaType.TEXT_HTML)
@TenantAccess(Scope.FEEDBACK_READ)
public class FeedbackPage {

    /**
     * Two models' record against each other.
     *
     * @param first the model named first (alphabetically)
     * @param firstWins how often its answer was chosen
     */
    public record Pair(String first, String second, long firstWins, long secondWins) {

        public long total() {
            return firstWins + secondWins;
        }

        public String firstRate() {
            return String.format(Locale.ROOT, "%.0f %%", 100.0 * firstWins / total());
        }

        public String secondRate() {
            return String.format(Locale.ROOT, "%.0f %%", 100.0 * secondWins / total());
        }
    }

    @CheckedTemplate(basePath = "feedback")
    static class Templates {
        static native TemplateInstance page(
                List<Pair> pairs,
                ListResponse<FeedbackObject> judgements,
                Filters filters,
                String after,
                FileObject dataset,
                String preferred);
    }

    private final FeedbackResource feedback;
    private final PreferenceFeedbackRepository repository;
    private final FilesResource files;

    @Inject
    FeedbackPage(
            FeedbackResource feedback,
            PreferenceFeedbackRepository repository,
            FilesResource files) {
        this.feedback = feedback;
        this.repository = repository;
        this.files = files;
    }

    @GET
    @Operation(hidden = true)
    public TemplateInstance page(
            @QueryParam("model") String model,
            @QueryParam("type") String type,
            @QueryParam("annotator_id") String annotatorId,
            @QueryParam("created_after") String createdAfter,
            @QueryParam("created_before") String createdBefore,
            @QueryParam("after") String after,
            @QueryParam("dataset") String dataset) {
        Filters filters =
                new Filters(
                        blankToNull(model),
                        blankToNull(type),
                        blankToNull(annotatorId),
                        blankToNull(createdAfter),
                        blankToNull(createdBefore));
        ListResponse<FeedbackObject> judgements =
                feedback.list(
                        filters.model(),
                        filters.type(),
                        filters.annotatorId(),
                        filters.createdAfter(),
                        filters.createdBefore(),
                        blankToNull(after),
                        Pages.PAGE_SIZE,
                        null);
        List<PreferenceFeedbackRepository.Tally> tallies = repository.pairwiseTallies();
        return Templates.page(
                pairs(tallies),
                judgements,
                filters,
                after,
                dataset == null || dataset.isBlank() ? null : files.get(dataset),
                preferred(tallies));
    }

    /** Folds (chosen, rejected) counts into one record per pair of models, most judged first. */
    static List<Pair> pairs(List<PreferenceFeedbackRepository.Tally> tallies) {
        Map<List<String>, long[]> wins = new LinkedHashMap<>();
        for (PreferenceFeedbackRepository.Tally t : tallies) {
            boolean chosenFirst = t.chosenModel().compareTo(t.rejectedModel()) <= 0;
            List<String> key =
                    chosenFirst
                            ? List.of(t.chosenModel(), t.rejectedModel())
                            : List.of(t.rejectedModel(), t.chosenModel());
            wins.computeIfAbsent(key, k -> new long[2])[chosenFirst ? 0 : 1] += t.count();
        }
        List<Pair> pairs = new ArrayList<>();
        wins.forEach((k, w) -> pairs.add(new Pair(k.get(0), k.get(1), w[0], w[1])));
        pairs.sort(Comparator.comparingLong(Pair::total).reversed());
        return pairs;
    }

    /**
     * The model chosen most often: the one "Train with DPO" starts from, so that DPO sharpens the
     * model people already prefer. Null without judgements.
     */
    static String preferred(List<PreferenceFeedbackRepository.Tally> tallies) {
        Map<String, Long> wins = new LinkedHashMap<>();
        tallies.forEach(t -> wins.merge(t.chosenModel(), t.count(), Long::sum));
        return wins.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse(null);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** What the template shows of a judgement. */
    @TemplateExtension
    static class FeedbackViews {
        static String when(FeedbackObject f) {
            return f.createdAt() == null ? "" : Pages.time(f.createdAt().getEpochSecond());
        }

        static String promptText(FeedbackObject f) {
            return lastContent(f.prompt());
        }

        static String chosenText(FeedbackObject f) {
            return lastContent("pairwise".equals(f.type()) ? f.chosen() : f.completion());
        }

        private static String lastContent(com.fasterxml.jackson.databind.JsonNode messages) {
            if (messages == null || !messages.isArray() || messages.isEmpty()) {
                return "";
            }
            String text = messages.get(messages.size() - 1).path("content").asText("");
            return text.length() > 160 ? text.substring(0, 160) + "…" : text;
        }
    }
}
