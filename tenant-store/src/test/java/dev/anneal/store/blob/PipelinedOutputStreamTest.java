package dev.anneal.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
    void shouldHandEveryOwnedChunkBackWhenWrittenFailedOrDropped() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        OutputStream stuck =
                new OutputStream() {
                    @Override
                    public void write(int b) {}

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        holding.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        throw new IOException("disk gone");
                    }
                };
        AtomicInteger handedBack = new AtomicInteger();
        PipelinedOutputStream out = new PipelinedOutputStream(stuck, "test");
        byte[] chunk = new byte[8];
        out.writeOwned(chunk, 8, handedBack::incrementAndGet); // in the worker's hands
        holding.await();
        for (int i = 0; i < PipelinedOutputStream.DEPTH; i++) {
            out.writeOwned(chunk, 8, handedBack::incrementAndGet); // queued
        }
        new Thread(
                        () -> {
                            LockSupport.parkNanos(50_000_000);
                            release.countDown();
                        })
                .start();

        out.abort(); // drops the queued ones; the one in hand fails

        assertThat(handedBack).hasValue(1 + PipelinedOutputStream.DEPTH);
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
