package dev.anneal.store;

/**
 * Cursor paging in OpenAI's manner: up to {@code limit} items after the item with id {@code after}
 * (exclusive), in the given order.
 *
 * @param after id of the last item of the previous page, or {@code null} for the first page
 * @param limit 1 to {@link #MAX_LIMIT}
 * @param newestFirst descending creation order when true
 */
public record PageRequest(String after, int limit, boolean newestFirst) {

    /** The largest page: a list never costs more than this many rows. */
    public static final int MAX_LIMIT = 100;

    public PageRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException(
                    "'limit' must be between 1 and " + MAX_LIMIT + ", got " + limit + ".", "limit");
        }
    }

    /** Parses OpenAI's {@code order} parameter: {@code desc} (default) or {@code asc}. */
    public static boolean newestFirst(String order) {
        if (order == null || order.equals("desc")) {
            return true;
        }
        if (order.equals("asc")) {
            return false;
        }
        throw new InvalidRequestException(
                "'order' must be 'asc' or 'desc', got '" + order + "'.", "order");
    }
}
