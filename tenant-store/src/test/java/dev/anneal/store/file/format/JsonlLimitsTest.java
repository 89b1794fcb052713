package dev.anneal.store.file.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonlLimitsTest {

    @Test
    void shouldDefaultToEightMebibyteLinesAndTenMillionLines() {
        assertThat(JsonlLimits.DEFAULTS.maxLineBytes()).isEqualTo(8 * 1024 * 1024);
        assertThat(JsonlLimits.DEFAULTS.maxLines()).isEqualTo(10_000_000L);
    }

    @Test
    void shouldRejectMaxLineBytesWhenNotPositive() {
        assertThatThrownBy(() -> new JsonlLimits(0, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLineBytes");
    }

    @Test
    void shouldRejectMaxLineBytesWhenAboveOneGibibyte() {
        assertThatThrownBy(() -> new JsonlLimits(Integer.MAX_VALUE, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLineBytes");
    }

    @Test
    void shouldRejectMaxLinesWhenNotPositive() {
        assertThatThrownBy(() -> new JsonlLimits(100, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLines");
    }
}
