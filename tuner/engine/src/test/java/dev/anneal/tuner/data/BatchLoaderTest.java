package dev.anneal.tuner.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {

    private static List<SequenceRow> rows(int count) {
        List<SequenceRow> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(
                    new SequenceRow(
                            new long[] {i},
                            new long[] {i},
                            new boolean[] {true},
                            new int[1],
                            new int[1]));
        }
        return rows;
    }

    private static List<Long> firstIds(BatchLoader loader, int batches) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            for (long id : loader.next().inputIds()) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Test
    void shouldServeSameOrderWhenSeedIsSame() {
        List<Long> first = firstIds(new BatchLoader(rows(10), 3, true, 5, false), 8);
        List<Long> second = firstIds(new BatchLoader(rows(10), 3, true, 5, false), 8);
        List<Long> other = firstIds(new BatchLoader(rows(10), 3, true, 6, false), 8);

        assertThat(first).isEqualTo(second).isNotEqualTo(other);
        assertThat(first.subList(0, 10))
                .containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    }

    @Test
    void shouldContinueExactlyWhenSeekingToSavedPosition() {
        BatchLoader original = new BatchLoader(rows(10), 3, true, 5, false);
        firstIds(original, 5);
        DataPosition saved = original.position();
        List<Long> expected = firstIds(original, 6);

        BatchLoader resumed = new BatchLoader(rows(10), 3, true, 5, false);
        resumed.seek(saved);

        assertThat(saved.epoch()).isEqualTo(1);
        assertThat(firstIds(resumed, 6)).isEqualTo(expected);
    }

    @Test
    void shouldPassOverSkippedBatchWhenReplayingFromSavedPosition() {
        BatchLoader loader = new BatchLoader(rows(7), 2, false, 0, false);
        DataPosition saved = loader.position();
        loader.next();
        DataPosition offending = loader.position();
        loader.next();

        loader.skip(offending);
        loader.seek(saved);

        assertThat(firstIds(loader, 3)).containsExactly(0L, 1L, 4L, 5L, 6L);
        assertThat(loader.position()).isEqualTo(new DataPosition(1, 0));
        assertThat(firstIds(loader, 2)).containsExactly(0L, 1L, 2L, 3L);
        assertThat(loader.skipped()).containsExactly(offending);
    }

    @Test
    void shouldEndEpochWithSmallerBatchWhenRowsDoNotDivide() {
        BatchLoader loader = new BatchLoader(rows(5), 2, false, 0, false);

        assertThat(loader.next().rows()).isEqualTo(2);
        assertThat(loader.next().rows()).isEqualTo(2);
        assertThat(loader.next().rows()).isEqualTo(1);
        assertThat(loader.position()).isEqualTo(new DataPosition(1, 0));
        assertThat(loader.batchesPerEpoch()).isEqualTo(3);
    }
}
