package dev.anneal.tuner.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequencePackerTest {

    /** An example of ids 1..n whose targets are the tokens from {@code firstTarget} on. */
    private static TokenizedExample example(int n, int firstTarget) {
        long[] ids = new long[n];
        boolean[] targets = new boolean[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 100L * n + i;
            targets[i] = i >= firstTarget;
        }
        return new TokenizedExample(ids, targets);
    }

    @Test
    void shouldShiftLabelsAndMaskPromptWhenExampleFits() {
        SequencePacker.Packed packed = SequencePacker.pack(List.of(example(5, 3)), 8, false, false);

        SequenceRow row = packed.rows().get(0);
        assertThat(row.inputIds()).containsExactly(500, 501, 502, 503);
        assertThat(row.labels()).containsExactly(501, 502, 503, 504);
        assertThat(row.counted()).containsExactly(false, false, true, true);
        assertThat(packed.stats().countedTokens()).isEqualTo(2);
    }

    @Test
    void shouldTruncateAndCountWhenExampleIsTooLong() {
        SequencePacker.Packed packed =
                SequencePacker.pack(List.of(example(10, 1), example(4, 1)), 5, false, false);

        assertThat(packed.rows()).extracting(SequenceRow::length).containsExactly(5, 3);
        assertThat(packed.rows().get(0).labels()).endsWith(1005);
        assertThat(packed.stats().truncated()).isEqualTo(1);
        assertThat(packed.stats().dropped()).isZero();
    }

    @Test
    void shouldDropExampleWhenTruncationLeavesNoTarget() {
        SequencePacker.Packed packed =
                SequencePacker.pack(List.of(example(20, 12), example(4, 1)), 6, false, false);

        assertThat(packed.rows()).hasSize(1);
        assertThat(packed.stats().dropped()).isEqualTo(1);
        assertThat(packed.stats().truncated()).isEqualTo(1);
    }

    @Test
    void shouldSplitWithoutLosingPredictionsWhenSplittingLongText() {
        SequencePacker.Packed packed = SequencePacker.pack(List.of(example(11, 0)), 4, false, true);

        assertThat(packed.rows()).extracting(SequenceRow::length).containsExactly(4, 4, 2);
        assertThat(packed.rows().get(1).inputIds()).startsWith(1104);
        assertThat(packed.stats().split()).isEqualTo(1);
        assertThat(packed.stats().countedTokens()).isEqualTo(10);
    }

    @Test
    void shouldRestartPositionsAndNumberSegmentsWhenPacking() {
        SequencePacker.Packed packed =
                SequencePacker.pack(
                        List.of(example(3, 1), example(4, 1), example(5, 1)), 6, true, false);

        assertThat(packed.rows()).hasSize(2);
        SequenceRow first = packed.rows().get(0);
        assertThat(first.positionIds()).containsExactly(0, 1, 0, 1, 2);
        assertThat(first.segmentIds()).containsExactly(0, 0, 1, 1, 1);
        assertThat(first.labels()).containsExactly(301, 302, 401, 402, 403);
        assertThat(packed.rows().get(1).segmentIds()).containsExactly(0, 0, 0, 0);
    }

    @Test
    void shouldPadWithOwnSegmentAndNoLossWhenCollatingPackedRows() {
        SequencePacker.Packed packed =
                SequencePacker.pack(List.of(example(3, 1), example(5, 1)), 4, true, false);

        Batch batch = Batch.collate(packed.rows(), true);

        assertThat(batch.rows()).isEqualTo(2);
        assertThat(batch.length()).isEqualTo(4);
        assertThat(batch.segmentIds()).containsExactly(0, 0, -1, -1, 0, 0, 0, 0);
        assertThat(batch.lossMask()).containsExactly(1, 1, 0, 0, 1, 1, 1, 1);
        assertThat(batch.realPositions()).isEqualTo(6);
        assertThat(batch.countedTokens()).isEqualTo(6);
    }
}
