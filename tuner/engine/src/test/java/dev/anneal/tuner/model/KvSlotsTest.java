package dev.anneal.tuner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.anneal.tuner.Stories260K;
import org.junit.jupiter.api.Test;

class KvSlotsTest {

    private static final LlamaConfig CONFIG = Stories260K.model().config();

    @Test
    void shouldTakeLowestFreeSlotAndKeepContentsWhenGrowing() {
        try (NDManager manager = NDManager.newBaseManager();
                KvSlots slots = new KvSlots(manager, CONFIG, 8)) {
            KvCache first = slots.acquire();
            KvCache second = slots.acquire();
            Shape token = new Shape(1, CONFIG.numKeyValueHeads(), 1, CONFIG.headDim());
            NDArray keys = manager.randomNormal(token);
            first.update(0, keys, keys);
            first.advance(1);
            KvCache[] more = new KvCache[6];
            for (int i = 0; i < more.length; i++) {
                more[i] = slots.acquire();
            }
            assertThat(first.update(0, keys, keys)[0].get(":, :, 0:1")).isEqualTo(keys);

            second.close();
            KvCache reused = slots.acquire();

            assertThat(reused.slot()).isEqualTo(1);
            assertThat(slots.inUse()).isEqualTo(8);
            assertThat(slots.span()).isEqualTo(8);
        }
    }

    @Test
    void shouldRefuseSlotBeyondItsLimitAndFreeBuffersWhenLastSlotIsGivenBack() {
        try (NDManager manager = NDManager.newBaseManager()) {
            KvSlots slots = new KvSlots(manager, CONFIG, 8, 2);
            KvCache first = slots.acquire();
            KvCache second = slots.acquire();

            assertThatThrownBy(slots::acquire)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("All 2 KV cache slots of 8 tokens are taken");

            first.close();
            second.close();
            assertThat(slots.inUse()).isZero();
            assertThat(slots.span()).isZero();
            assertThat(slots.acquire().slot()).isZero();
        }
    }
}
