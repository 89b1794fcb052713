package dev.anneal.api.file;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultipartReaderTest {

    private static final String BOUNDARY = "----b0undary";

    @Test
    void shouldReturnEachPartWhenContentIsFullOfNearMissDelimiters() throws IOException {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            byte[] file = nearMisses(random, random.nextInt(200_000));
            byte[] body =
                    body(
                            part("purpose", null, "fine-tune".getBytes(ISO_8859_1)),
                            part("file", "data.jsonl", file));

            List<byte[]> parts = readAll(new Trickle(body, random));

            assertThat(parts).hasSize(2);
            assertThat(new String(parts.get(0), ISO_8859_1)).isEqualTo("fine-tune");
            assertThat(parts.get(1)).as("round %d", round).isEqualTo(file);
        }
    }

    @Test
    void shouldReturnEmptyContentWhenPartIsEmpty() throws IOException {
        byte[] body = body(part("file", "empty.jsonl", new byte[0]));

        List<byte[]> parts = readAll(new ByteArrayInputStream(body));

        assertThat(parts).singleElement().satisfies(p -> assertThat(p).isEmpty());
    }

    /** Bytes rich in CR, LF, dashes and prefixes of the delimiter, but never the delimiter. */
    private static byte[] nearMisses(Random random, int length) {
        String[] pieces = {
            "\r",
            "\n",
            "\r\n",
            "-",
            "--",
            "\r\n-",
            "\r\n--",
            "\r\n--" + BOUNDARY.substring(0, 5),
            "\r\n--" + BOUNDARY.substring(0, BOUNDARY.length() - 1) + "x",
            "{\"a\":1}\n",
            "abcdefgh"
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (out.size() < length) {
            out.writeBytes(pieces[random.nextInt(pieces.length)].getBytes(ISO_8859_1));
        }
        return out.toByteArray();
    }

    private static byte[] part(String name, String filename, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(
                ("--"
                                + BOUNDARY
                                + "\r\nContent-Disposition: form-data; name=\""
                                + name
                                + "\""
                                + (filename == null ? "" : "; filename=\"" + filename + "\"")
                                + "\r\n\r\n")
                        .getBytes(ISO_8859_1));
        out.writeBytes(content);
        out.writeBytes("\r\n".getBytes(ISO_8859_1));
        return out.toByteArray();
    }

    private static byte[] body(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(ISO_8859_1));
        return out.toByteArray();
    }

    private static List<byte[]> readAll(InputStream in) throws IOException {
        MultipartReader reader = new MultipartReader(in, BOUNDARY);
        List<byte[]> parts = new ArrayList<>();
        for (MultipartReader.Part part = reader.next(); part != null; part = reader.next()) {
            parts.add(part.content().readAllBytes());
        }
        return parts;
    }

    /** Hands out the body a few bytes to a few kilobytes at a time, as a network does. */
    private static final class Trickle extends InputStream {

        private final ByteArrayInputStream in;
        private final Random random;

        Trickle(byte[] body, Random random) {
            this.in = new ByteArrayInputStream(body);
            this.random = random;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int max = random.nextBoolean() ? 1 + random.nextInt(16) : 1 + random.nextInt(70_000);
            return in.read(b, off, Math.min(len, max));
        }
    }
}
