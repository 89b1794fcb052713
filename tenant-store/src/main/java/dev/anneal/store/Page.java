package dev.anneal.store;

import java.util.List;

/** One page of a list, newest first unless asked otherwise, and whether more follow. */
public record Page<T>(List<T> data, boolean hasMore) {

    public Page {
        data = List.copyOf(data);
    }
}
