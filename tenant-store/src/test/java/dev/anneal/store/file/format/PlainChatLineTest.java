package dev.anneal.store.file.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.tuner.data.InvalidTrainingDataException;
import dev.anneal.tuner.data.LineFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast path may only say "valid chat line" where the full path says so too; it must say so for
 * the lines chat datasets are made of, or it would not be a fast path.
 */
class PlainChatLineTest {

    private static final String ANSWER =
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi \\\"there\\\"\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Hello, caf\\u00e9!\"}]}";

    private final PlainChatLine plainChat = new PlainChatLine();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}]}",
                "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"2+2?\"},{\"role\":\"assistant\",\"content\":\"4\"}]}",
                " { \"messages\" : [ { \"content\" : \"\" , \"role\" : \"assistant\" } ] } \t",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"tab\\tquote\\\" slash\\\\ \\/ \\b\\f\\n\\r caf\\u00e9\"}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"Größe 日本語 🙂 \u007f\"}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"exactly eight bytes: 12345678\"}]}",
            })
    void shouldAcceptPlainChatLines(String line) {
        assertThat(accepts(line)).isTrue();
        assertThat(fullPath(line)).isEqualTo("chat");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // valid, but outside the fast path's subset
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\",\"weight\":1}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}],\"metadata\":{}}",
                "{\"messages\":[{\"role\":\"\\u0061ssistant\",\"content\":\"x\"}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"\\ud83d\\ude42\"}]}",
                // invalid
                "{\"messages\":[{\"role\":\"user\",\"content\":\"no answer\"}]}",
                "{\"messages\":[]}",
                "{\"messages\":[{\"role\":\"assistant\",\"role\":\"user\",\"content\":\"x\"}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\",\"content\":\"y\"}]}",
                "{\"messages\":[{\"role\":\"assistant\"}]}",
                "{\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":null}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"raw\ttab\"}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"bad \\x escape\"}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"short \\u12\"}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"unterminated}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"},]}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}]} trailing",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}]",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}]}}",
            })
    void shouldLeaveEverythingElseToTheFullPath(String line) {
        assertThat(accepts(line)).isFalse();
    }

    @Test
    void shouldLeaveMalformedUtf8ToTheFullPath() {
        byte[][] malformed = {
            {(byte) 0xC3}, // cut short
            {(byte) 0xC0, (byte) 0xAF}, // overlong
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
            {(byte) 0x80}, // a stray continuation byte
            {(byte) 0xFF},
        };
        for (byte[] bad : malformed) {
            byte[] line = splice(utf8(ANSWER), ANSWER.indexOf("Hello") + 2, bad);

            assertThat(plainChat.accepts(line, 0, line.length)).isFalse();
            assertThat(fullPath(line)).isEqualTo(DataLineChecker.INVALID_UTF8);
        }
    }

    /**
     * Random edits of plain chat lines, with the bytes that matter to JSON and to UTF-8: wherever
     * the fast path accepts an edited line, the full path must accept it as chat.
     */
    @Test
    void shouldAcceptOnlyWhatTheFullPathAccepts() {
        SplittableRandom random = new SplittableRandom(20261207);
        byte[][] alphabet = {
            utf8("\""),
            utf8("\\"),
            utf8("{"),
            utf8("}"),
            utf8("["),
            utf8("]"),
            utf8(","),
            utf8(":"),
            utf8(" "),
            utf8("\t"),
            utf8("\r"),
            utf8("u"),
            utf8("0"),
            utf8("a"),
            utf8("é"),
            utf8("日"),
            utf8("🙂"),
            utf8("\u0001"),
            utf8("\\u"),
            utf8("\\n"),
            utf8("\\ud83d"),
            utf8("\"role\""),
            utf8("\"content\""),
            utf8("\"assistant\""),
            utf8("\"user\""),
            {(byte) 0x80},
            {(byte) 0xC3},
            {(byte) 0xE6},
            {(byte) 0xED},
            {(byte) 0xF0},
            {(byte) 0xF4},
            {(byte) 0xFF},
            {(byte) 0xA0}
        };
        byte[][] bases = {
            utf8(ANSWER),
            utf8("{\"messages\":[{\"content\":\"12345678abcdefgh 日本語\",\"role\":\"assistant\"}]}"),
            utf8(
                    " {\"messages\" :[ {\"role\":\"system\" ,\"content\":\"\"}, {\"role\":\"assistant\",\"content\":\"ok\"} ] }"),
        };
        int accepted = 0;
        int rounds = 40_000;
        for (int round = 0; round < rounds; round++) {
            byte[] line = bases[random.nextInt(bases.length)];
            for (int e = 1 + random.nextInt(3); e > 0; e--) {
                int at = random.nextInt(line.length + 1);
                byte[] piece = alphabet[random.nextInt(alphabet.length)];
                line =
                        switch (random.nextInt(3)) {
                            case 0 -> splice(line, at, piece);
                            case 1 -> at < line.length ? cut(line, at, at + 1) : line;
                            default -> at < line.length ? replace(line, at, piece[0]) : line;
                        };
            }
            if (plainChat.accepts(line, 0, line.length)) {
                accepted++;
                assertThat(fullPath(line)).as(new String(line, UTF_8)).isEqualTo("chat");
            }
        }
        // The edits must leave enough lines accepted for the check to mean something.
        assertThat(accepted).isGreaterThan(rounds / 20);
    }

    private boolean accepts(String line) {
        // Bytes on both sides, which the fast path must not read.
        byte[] bytes = utf8("xx" + line + "yy");
        return plainChat.accepts(bytes, 2, bytes.length - 4);
    }

    private static String fullPath(String line) {
        return fullPath(utf8(line));
    }

    /** The full path's verdict: the format's wire name, or the reason the line is refused. */
    private static String fullPath(byte[] bytes) {
        if (!ByteScan.isValidUtf8(bytes, 0, bytes.length)) {
            return DataLineChecker.INVALID_UTF8;
        }
        try {
            LineShape shape = new LineShape();
            JsonLineParser.read(bytes, 0, bytes.length, shape);
            DatasetFormat format = DatasetFormat.of(LineFormat.detect(shape.top::has, null));
            LineSchema.check(shape, format);
            return format.wireName();
        } catch (LineViolation | InvalidTrainingDataException e) {
            return e.getMessage();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] splice(byte[] line, int at, byte[] piece) {
        byte[] out = new byte[line.length + piece.length];
        System.arraycopy(line, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(line, at, out, at + piece.length, line.length - at);
        return out;
    }

    private static byte[] cut(byte[] line, int from, int to) {
        byte[] out = new byte[line.length - (to - from)];
        System.arraycopy(line, 0, out, 0, from);
        System.arraycopy(line, to, out, from, line.length - to);
        return out;
    }

    private static byte[] replace(byte[] line, int at, byte value) {
        byte[] out = line.clone();
        out[at] = value;
        return out;
    }
}
