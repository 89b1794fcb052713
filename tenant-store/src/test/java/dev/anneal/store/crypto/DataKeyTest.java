package dev.anneal.store.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DataKeyTest {

    @Test
    void shouldRejectMaterialWhenNot32Bytes() {
        assertThatThrownBy(() -> DataKey.of(new byte[16]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
    }

    @Test
    void shouldCopyMaterialWhenMadeFromBytes() {
        byte[] material = new byte[32];

        DataKey key = DataKey.of(material);
        material[0] = 1;

        assertThat(key.material()[0]).isZero();
    }

    @Test
    void shouldHideMaterialWhenPrinted() {
        DataKey key = DataKey.generate();

        assertThat(key.toString())
                .doesNotContain(HexFormat.of().formatHex(key.material()))
                .contains("redacted");
    }

    @Test
    void shouldDifferWhenGeneratedTwice() {
        assertThat(DataKey.generate().material()).isNotEqualTo(DataKey.generate().material());
    }
}
