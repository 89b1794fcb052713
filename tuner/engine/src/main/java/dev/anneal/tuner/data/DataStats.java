package dev.anneal.tuner.data;

/**
 * What preparing a dataset did to it, for the run's report.
 *
 * @param examples examples read
 * @param truncated examples cut to the sequence length (their tail lost)
 * @param split examples longer than the sequence length cut into several rows (nothing lost)
 * @param dropped examples left out: fewer than two tokens, or no counted label left after
 *     truncation
 * @param rows rows after packing
 * @param positions input positions over all rows (padding excluded)
 * @param countedTokens labels counted in the loss over all rows
 */
public record DataStats(
        int examples,
        int truncated,
        int split,
        int dropped,
        int rows,
        long positions,
        long countedTokens) {}
