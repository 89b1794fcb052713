package dev.anneal.api.feedback;

import dev.anneal.store.InvalidRequestException;
import dev.anneal.store.feedback.FeedbackFilter;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Reads the filters of feedback listings and exports from their wire form. */
final class FeedbackQuery {

    private FeedbackQuery() {}

    /**
     * A filter from its parts; times are ISO-8601 instants ({@code 2026-11-27T14:00:00Z}) or Unix
     * seconds.
     *
     * @param prefix put before each parameter name in errors (e.g. {@code filters.})
     */
    static FeedbackFilter filter(
            String model,
            String type,
            String annotatorId,
            String createdAfter,
            String createdBefore,
            String prefix) {
        return new FeedbackFilter(
                model,
                type,
                annotatorId,
                instant(createdAfter, prefix + "created_after"),
                instant(createdBefore, prefix + "created_before"));
    }

    private static Instant instant(String value, String param) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return value.chars().allMatch(Character::isDigit)
                    ? Instant.ofEpochSecond(Long.parseLong(value))
                    : Instant.parse(value);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new InvalidRequestException(
                    "'"
                            + param
                            + "' must be an ISO-8601 instant such as 2026-11-27T14:00:00Z, or Unix"
                            + " seconds; got '"
                            + value
                            + "'.",
                    param);
        }
    }
}
