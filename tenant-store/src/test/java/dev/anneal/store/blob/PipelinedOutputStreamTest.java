package dev.anneal.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PipelinedOutputStreamTest {

    @Test
    void shouldDeliverEveryByteInOrderWhenClosed() throws IOException {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(data);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (PipelinedOutputStream out = new PipelinedOutputStream(sink, "test")) {
            for (int off = 0; off < data.length; off += 7919) {
                out.write(data, off, Math.min(7919, data.length - off));
            }
        }
        assertThat(sink.toByteArray()).isEqualTo(data);
    }

    @Test
    void shouldThrowSinkFailureWhenClosed() {
        OutputStream failing =
                new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        throw new IOException("disk full");
                    }
                };
        PipelinedOutputStream out = new PipelinedOutputStream(failing, "test");
        assertThatThrownBy(
                        () -> {
                            out.write(new byte[10], 0, 10);
                            out.close();
                        })
                .isInstanceOf(IOException.class)
                .hasMessageContaining("disk full");
    }

    @Test
    void shouldLeaveSinkOpenAndWriteNothingMoreWhenAborted() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream sink =
                new ByteArrayOutputStream() {
                    @Override
                    public void close() {
                        closed[0] = true;
                    }
                };
        PipelinedOutputStream out = new PipelinedOutputStream(sink, "test");
        out.write(new byte[] {1, 2, 3}, 0, 3);
        out.abort();
        assertThat(closed[0]).isFalse();
        assertThatThrownBy(() -> out.write(new byte[1], 0, 1)).isInstanceOf(IOException.class);
    }
}
