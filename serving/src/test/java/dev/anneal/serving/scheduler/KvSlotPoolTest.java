package dev.anneal.serving.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KvSlotPoolTest {

    @Test
    void shouldRoundCapacityUpToPowerOfTwoOfAtLeastSixteen() {
        assertThat(KvSlotPool.slotTokens(1, 4096, 65536)).isEqualTo(16);
        assertThat(KvSlotPool.slotTokens(16, 4096, 65536)).isEqualTo(16);
        assertThat(KvSlotPool.slotTokens(17, 4096, 65536)).isEqualTo(32);
        assertThat(KvSlotPool.slotTokens(300, 4096, 65536)).isEqualTo(512);
        assertThat(KvSlotPool.slotTokens(4096, 4096, 65536)).isEqualTo(4096);
    }

    @Test
    void shouldUseWholeContextWhenItIsBelowTheRoundedCapacity() {
        assertThat(KvSlotPool.slotTokens(600, 1000, 65536)).isEqualTo(1000);
        assertThat(KvSlotPool.slotTokens(10, 12, 65536)).isEqualTo(12);
    }

    @Test
    void shouldKeepExactCapacityWhenTheClassWouldExceedTheBudget() {
        assertThat(KvSlotPool.slotTokens(300, 4096, 400)).isEqualTo(300);
        assertThat(KvSlotPool.slotTokens(300, 4096, 512)).isEqualTo(512);
    }
}
