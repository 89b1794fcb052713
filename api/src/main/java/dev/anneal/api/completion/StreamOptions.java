package dev.anneal.api.completion;

/**
 * {@code stream_options}.
 *
 * @param includeUsage whether a last chunk with {@code choices: []} carries the usage
 */
public record StreamOptions(Boolean includeUsage) {}
