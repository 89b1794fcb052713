package dev.anneal.store.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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

    @Test
    void shouldSealWithAFreshNonceEachTimeWhenSealingMoreThanOneDrawOfNonces() throws Exception {
        DataKey key = DataKey.generate();
        byte[] place = "tenant/row/column".getBytes(StandardCharsets.UTF_8);
        Set<String> nonces = new HashSet<>();

        for (int i = 0; i < 1_000; i++) {
            byte[] plaintext = ("value " + i).getBytes(StandardCharsets.UTF_8);
            byte[] sealed = key.seal(plaintext, place);

            nonces.add(HexFormat.of().formatHex(sealed, 1, 13));
            // opened by the JDK's own AES-GCM with the nonce the value carries
            Cipher reference = Cipher.getInstance("AES/GCM/NoPadding");
            reference.init(
                    Cipher.DECRYPT_MODE,
                    new SecretKeySpec(key.material(), "AES"),
                    new GCMParameterSpec(128, Arrays.copyOfRange(sealed, 1, 13)));
            reference.updateAAD(place);
            assertThat(reference.doFinal(sealed, 13, sealed.length - 13)).isEqualTo(plaintext);
            assertThat(key.open(sealed, place)).isEqualTo(plaintext);
        }

        assertThat(nonces).hasSize(1_000);
        assertThat(nonces).doesNotContain("000000000000000000000000");
    }

    @Test
    void shouldMacUnderEachKeyWhenKeysAlternate() throws Exception {
        DataKey first = DataKey.generate();
        DataKey second = DataKey.generate();
        byte[] message = "anneal:test\u0000message".getBytes(StandardCharsets.UTF_8);

        for (DataKey key : new DataKey[] {first, first, second, first, second, second}) {
            Mac reference = Mac.getInstance("HmacSHA256");
            reference.init(new SecretKeySpec(key.material(), "HmacSHA256"));

            assertThat(key.hmacSha256(message)).isEqualTo(reference.doFinal(message));
        }
    }
}
