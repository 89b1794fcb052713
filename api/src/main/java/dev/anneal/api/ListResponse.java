package dev.anneal.api;

import java.util.List;
import java.util.function.Function;

/** OpenAI's list shape: {@code {"object": "list", "data", "has_more", "first_id", "last_id"}}. */
public record ListResponse<T>(
        String object, List<T> data, boolean hasMore, String firstId, String lastId) {

    public static <T> ListResponse<T> of(List<T> data, boolean hasMore, Function<T, String> id) {
        return new ListResponse<>(
                "list",
                data,
                hasMore,
                data.isEmpty() ? null : id.apply(data.get(0)),
                data.isEmpty() ? null : id.apply(data.get(data.size() - 1)));
    }
}
