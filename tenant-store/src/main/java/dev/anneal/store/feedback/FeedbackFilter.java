package dev.anneal.store.feedback;

import dev.anneal.store.InvalidRequestException;
import java.time.Instant;

/**
 * Which judgements to list or export; every part optional.
 *
 * @param model judgements on answers of this model (either side of a pairwise judgement)
 * @param type {@code pairwise} or {@code rating}
 * @param annotatorId judgements by this annotator
 * @param createdAfter judgements made at or after this instant
 * @param createdBefore judgements made before this instant
 */
public record FeedbackFilter(
        String model,
        String type,
        String annotatorId,
        Instant createdAfter,
        Instant createdBefore) {

    /** No restriction. */
    public static final FeedbackFilter NONE = new FeedbackFilter(null, null, null, null, null);

    /** Checks the type and the time range; messages name the parameter. */
    public FeedbackFilter {
        if (type != null && !type.equals("pairwise") && !type.equals("rating")) {
            throw new InvalidRequestException(
                    "'type' must be 'pairwise' or 'rating', got '" + type + "'.", "type");
        }
        if (createdAfter != null
                && createdBefore != null
                && !createdAfter.isBefore(createdBefore)) {
            throw new InvalidRequestException(
                    "'created_after' must be before 'created_before'.", "created_after");
        }
    }

    /** This filter restricted to pairwise judgements, as preference datasets are. */
    public FeedbackFilter pairwiseOnly() {
        if (type != null && !type.equals("pairwise")) {
            throw new InvalidRequestException(
                    "Preference datasets are made of pairwise judgements; 'type' must be"
                            + " 'pairwise' or absent.",
                    "filters.type");
        }
        return new FeedbackFilter(model, "pairwise", annotatorId, createdAfter, createdBefore);
    }
}
