package dev.anneal.store.file.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatasetFormatTest {

    @Test
    void shouldUseSnakeCaseWireNames() {
        assertThat(DatasetFormat.CHAT.wireName()).isEqualTo("chat");
        assertThat(DatasetFormat.PROMPT_COMPLETION.wireName()).isEqualTo("prompt_completion");
        assertThat(DatasetFormat.PREFERENCE.wireName()).isEqualTo("preference");
        assertThat(DatasetFormat.TEXT.wireName()).isEqualTo("text");
    }

    @Test
    void shouldFindEveryFormatByItsWireName() {
        for (DatasetFormat format : DatasetFormat.values()) {
            assertThat(DatasetFormat.fromWireName(format.wireName())).isSameAs(format);
        }
    }

    @Test
    void shouldRejectUnknownWireName() {
        assertThatThrownBy(() -> DatasetFormat.fromWireName("CHAT"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'CHAT'")
                .hasMessageContaining("prompt_completion");
    }
}
