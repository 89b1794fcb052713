package dev.anneal.tuner.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fits tokenised examples to a sequence length and packs short ones together.
 *
 * <p>An example of {@code n} tokens needs {@code n - 1} positions. One longer than {@code
 * max_seq_length} positions is either truncated (supervised data: its first {@code max_seq_length +
 * 1} tokens are kept) or split into consecutive pieces sharing one boundary token (raw text:
 * nothing is lost). Examples, or pieces, without a counted label are dropped.
 *
 * <p>With packing, pieces are appended to the current row in order while they fit, each as its own
 * segment with positions restarting at 0, so that the model's block-diagonal mask keeps attention
 * inside each example; without it, each piece is a row of its own. Rows are not padded here.
 */
public final class SequencePacker {

    /**
     * The rows and what it took to make them.
     *
     * @param rows the rows, in input order
     * @param stats counts of truncated, split and dropped examples
     */
    public record Packed(List<SequenceRow> rows, DataStats stats) {}

    private SequencePacker() {}

    /**
     * Fits and packs examples.
     *
     * @param examples the tokenised examples, in the order to pack them
     * @param maxSeqLength the most positions in a row
     * @param packing whether short examples share rows
     * @param splitLong whether a long example is split into pieces instead of truncated
     * @return the rows and statistics
     */
    public static Packed pack(
            List<TokenizedExample> examples, int maxSeqLength, boolean packing, boolean splitLong) {
        if (maxSeqLength < 1) {
            throw new IllegalArgumentException(
                    "data.max_seq_length must be positive, got " + maxSeqLength);
        }
        List<TokenizedExample> pieces = new ArrayList<>();
        int truncated = 0;
        int split = 0;
        int dropped = 0;
        for (TokenizedExample example : examples) {
            int n = example.length();
            List<TokenizedExample> parts = new ArrayList<>();
            if (n - 1 <= maxSeqLength) {
                parts.add(example);
            } else if (splitLong) {
                split++;
                for (int start = 0; start < n - 1; start += maxSeqLength) {
                    parts.add(slice(example, start, Math.min(n, start + maxSeqLength + 1)));
                }
            } else {
                truncated++;
                parts.add(slice(example, 0, maxSeqLength + 1));
            }
            int kept = 0;
            for (TokenizedExample part : parts) {
                if (part.length() >= 2 && hasCountedLabel(part)) {
                    pieces.add(part);
                    kept++;
                }
            }
            dropped += kept == 0 ? 1 : 0;
        }

        List<SequenceRow> rows = new ArrayList<>();
        List<TokenizedExample> current = new ArrayList<>();
        int used = 0;
        for (TokenizedExample piece : pieces) {
            int positions = piece.length() - 1;
            if (!current.isEmpty() && (!packing || used + positions > maxSeqLength)) {
                rows.add(row(current, used));
                current.clear();
                used = 0;
            }
            current.add(piece);
            used += positions;
        }
        if (!current.isEmpty()) {
            rows.add(row(current, used));
        }
        long positions = 0;
        long counted = 0;
        for (SequenceRow row : rows) {
            positions += row.length();
            counted += row.countedTokens();
        }
        DataStats stats =
                new DataStats(
                        examples.size(),
                        truncated,
                        split,
                        dropped,
                        rows.size(),
                        positions,
                        counted);
        return new Packed(List.copyOf(rows), stats);
    }

    /**
     * Makes one row per preference pair: the chosen side as segment 0, the rejected side as segment
     * 1, positions restarting at 0 in each, so that one forward pass scores both sides without
     * either seeing the other (TRL's concatenated forward, without padding). A side longer than
     * {@code max_seq_length} positions is truncated as supervised data is, its head kept; a pair
     * with a side left without a counted label is dropped. Pairs never share a row.
     *
     * @param pairs the tokenised pairs, in order
     * @param maxSeqLength the most positions of one side
     * @return one row per kept pair, and statistics counting pairs as examples
     */
    public static Packed packPairs(List<PreferencePair> pairs, int maxSeqLength) {
        if (maxSeqLength < 1) {
            throw new IllegalArgumentException(
                    "data.max_seq_length must be positive, got " + maxSeqLength);
        }
        List<SequenceRow> rows = new ArrayList<>();
        int truncated = 0;
        int dropped = 0;
        long positions = 0;
        long counted = 0;
        for (PreferencePair pair : pairs) {
            TokenizedExample chosen = pair.chosen();
            TokenizedExample rejected = pair.rejected();
            if (chosen.length() - 1 > maxSeqLength || rejected.length() - 1 > maxSeqLength) {
                truncated++;
                chosen = slice(chosen, 0, Math.min(chosen.length(), maxSeqLength + 1));
                rejected = slice(rejected, 0, Math.min(rejected.length(), maxSeqLength + 1));
            }
            if (!hasCountedLabel(chosen) || !hasCountedLabel(rejected)) {
                dropped++;
                continue;
            }
            SequenceRow row =
                    row(List.of(chosen, rejected), chosen.length() + rejected.length() - 2);
            rows.add(row);
            positions += row.length();
            counted += row.countedTokens();
        }
        DataStats stats =
                new DataStats(pairs.size(), truncated, 0, dropped, rows.size(), positions, counted);
        return new Packed(List.copyOf(rows), stats);
    }

    private static TokenizedExample slice(TokenizedExample example, int from, int to) {
        return new TokenizedExample(
                Arrays.copyOfRange(example.ids(), from, to),
                Arrays.copyOfRange(example.targets(), from, to));
    }

    private static boolean hasCountedLabel(TokenizedExample example) {
        for (int t = 1; t < example.length(); t++) {
            if (example.targets()[t]) {
                return true;
            }
        }
        return false;
    }

    private static SequenceRow row(List<TokenizedExample> pieces, int length) {
        long[] inputIds = new long[length];
        long[] labels = new long[length];
        boolean[] counted = new boolean[length];
        int[] positionIds = new int[length];
        int[] segmentIds = new int[length];
        int at = 0;
        for (int segment = 0; segment < pieces.size(); segment++) {
            TokenizedExample piece = pieces.get(segment);
            for (int t = 0; t < piece.length() - 1; t++, at++) {
                inputIds[at] = piece.ids()[t];
                labels[at] = piece.ids()[t + 1];
                counted[at] = piece.targets()[t + 1];
                positionIds[at] = t;
                segmentIds[at] = segment;
            }
        }
        return new SequenceRow(inputIds, labels, counted, positionIds, segmentIds);
    }
}
