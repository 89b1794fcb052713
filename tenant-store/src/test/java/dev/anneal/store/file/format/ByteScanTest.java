package dev.anneal.store.file.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteScanTest {

    @Test
    void shouldFindNewlineWhenAtAnyOffsetOfAWord() {
        for (int at = 0; at < 40; at++) {
            byte[] b = new byte[40];
            Arrays.fill(b, (byte) 'a');
            b[at] = '\n';

            assertThat(ByteScan.indexOf(b, 0, b.length, (byte) '\n'))
                    .as("newline at %d", at)
                    .isEqualTo(at);
            assertThat(ByteScan.indexOf(b, 3, b.length, (byte) '\n')).isEqualTo(at >= 3 ? at : -1);
        }
    }

    @Test
    void shouldFindFirstNewlineWhenSeveralShareAWord() {
        byte[] b = "ab\n\ncd\nefghijkl".getBytes(UTF_8);

        assertThat(ByteScan.indexOf(b, 0, b.length, (byte) '\n')).isEqualTo(2);
        assertThat(ByteScan.indexOf(b, 4, b.length, (byte) '\n')).isEqualTo(6);
    }

    @Test
    void shouldNotMistakeBytesNearNewlineForNewlineWhenScanning() {
        byte[] b = {0x0B, 0x09, (byte) 0x8A, 0x0A - 1, 0x1A, 0x4A, 0x00, 0x0B, 'x', 'y'};

        assertThat(ByteScan.indexOf(b, 0, b.length, (byte) '\n')).isEqualTo(-1);
    }

    @ParameterizedTest
    @ValueSource(bytes = {'\r', 0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFF})
    void shouldFindAnyByteValueWhereAPlainLoopFindsIt(byte value) {
        Random random = new Random(value);
        for (int round = 0; round < 500; round++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                // neighbours of the value, which a careless SWAR test mistakes for it
                b[i] = (byte) (value + random.nextInt(5) - 2);
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length);
            int expected = -1;
            for (int i = from; i < b.length && expected < 0; i++) {
                expected = b[i] == value ? i : -1;
            }

            assertThat(ByteScan.indexOf(b, from, b.length, value))
                    .as("%s from %d", Arrays.toString(b), from)
                    .isEqualTo(expected);
        }
    }

    @Test
    void shouldStopAtEndWhenNewlineLiesBeyondIt() {
        byte[] b = "abcdefghijklmnop\n".getBytes(UTF_8);

        assertThat(ByteScan.indexOf(b, 0, 16, (byte) '\n')).isEqualTo(-1);
    }

    @Test
    void shouldAcceptWellFormedUtf8WhenMixingOneToFourByteCharacters() {
        String text = "ascii é ü 中文 한국어 😀 \u007f \u0080 \uffff \udbff\udfff ok";
        byte[] b = text.getBytes(UTF_8);

        assertThat(ByteScan.isValidUtf8(b, 0, b.length)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "80", // stray continuation byte
                "C0 AF", // overlong '/'
                "C1 BF", // overlong
                "E0 80 AF", // overlong 3-byte
                "ED A0 80", // UTF-16 surrogate
                "F0 80 80 AF", // overlong 4-byte
                "F4 90 80 80", // above U+10FFFF
                "F5 80 80 80", // lead byte never used
                "FF",
                "C3", // cut at the end
                "E4 B8", // cut at the end
                "C3 28", // bad continuation
                "E4 28 AD",
                "F0 9F 98 28",
            })
    void shouldRejectMalformedUtf8WhenSequenceBreaksTheRules(String hex) {
        byte[] sequence = hex(hex);
        byte[] b = new byte[20 + sequence.length];
        Arrays.fill(b, (byte) 'a');
        System.arraycopy(sequence, 0, b, 20, sequence.length);

        assertThat(ByteScan.isValidUtf8(b, 0, b.length)).isFalse();
        assertThat(ByteScan.isValidUtf8(sequence, 0, sequence.length)).isFalse();
    }

    @Test
    void shouldOnlyLookAtGivenRangeWhenValidatingUtf8() {
        byte[] b = {(byte) 0xFF, 'a', 'b', (byte) 0xFF};

        assertThat(ByteScan.isValidUtf8(b, 1, 2)).isTrue();
    }

    @Test
    void shouldTreatSpacesTabsAndCarriageReturnsAsBlank() {
        assertThat(ByteScan.isBlank(" \t\r ".getBytes(UTF_8), 0, 4)).isTrue();
        assertThat(ByteScan.isBlank(new byte[0], 0, 0)).isTrue();
        assertThat(ByteScan.isBlank(" {} ".getBytes(UTF_8), 0, 4)).isFalse();
    }

    private static byte[] hex(String hex) {
        String[] parts = hex.split(" ");
        byte[] b = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }
}
