package dev.anneal.store.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.store.file.format.JsonlLimits;
import dev.anneal.store.file.format.LineError;
import dev.anneal.store.file.format.ValidationResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class UploadPipelineTest {

    private static final String GOOD = "{\"prompt\":\"a\",\"completion\":\"b\"}\n";
    private static final String BAD = "{\"prompt\":\"a\",\"completion\":\"\"}\n";

    @Test
    void shouldStoreEveryByteWhenFileIsValid() throws IOException {
        byte[] file = GOOD.repeat(20_000).getBytes(UTF_8);
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        UploadPipeline pipeline = new UploadPipeline(JsonlLimits.DEFAULTS, stored, "test");

        write(pipeline, file, 4093);
        ValidationResult result = pipeline.finishValidation();
        pipeline.finishStorage();

        assertThat(result.isValid()).isTrue();
        assertThat(result.lines()).isEqualTo(20_000);
        assertThat(stored.toByteArray()).isEqualTo(file);
    }

    @Test
    void shouldReportLineNumbersWhenErrorsFallInChunksCrossingLines() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int line = 1; line <= 3000; line++) {
            text.append(line == 3 || line == 2500 ? BAD : GOOD);
        }
        UploadPipeline pipeline =
                new UploadPipeline(JsonlLimits.DEFAULTS, new ByteArrayOutputStream(), "test");

        write(pipeline, text.toString().getBytes(UTF_8), 7);
        ValidationResult result = pipeline.finishValidation();
        pipeline.abort();

        assertThat(result.errors())
                .containsExactly(
                        new LineError(3, "completion", "must not be empty"),
                        new LineError(2500, "completion", "must not be empty"));
        assertThat(result.lines()).isEqualTo(3000);
    }

    @Test
    void shouldStopStoringWhenValidationFoundAnError() throws Exception {
        byte[] first = (BAD + GOOD).getBytes(UTF_8);
        byte[] rest = GOOD.repeat(10_000).getBytes(UTF_8);
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        UploadPipeline pipeline = new UploadPipeline(JsonlLimits.DEFAULTS, stored, "test");

        pipeline.write(first, 0, first.length);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!pipeline.hasErrors() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        write(pipeline, rest, 4096);
        ValidationResult result = pipeline.finishValidation();
        pipeline.finishStorage();

        assertThat(result.errors())
                .containsExactly(new LineError(1, "completion", "must not be empty"));
        assertThat(result.lines()).isEqualTo(10_002);
        // the first chunk may or may not have been stored before the error was known; nothing
        // written after it is
        assertThat(stored.size()).isLessThanOrEqualTo(first.length);
    }

    @Test
    void shouldStoreEveryByteWhenStorageIsSlowerThanValidation() throws IOException {
        byte[] file = GOOD.repeat(5_000).getBytes(UTF_8);
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        OutputStream slow =
                new OutputStream() {
                    @Override
                    public void write(int b) {
                        stored.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        // a slow disk: chunks wait for their arrays to come back
                        LockSupport.parkNanos(200_000);
                        stored.write(b, off, len);
                    }
                };
        UploadPipeline pipeline = new UploadPipeline(JsonlLimits.DEFAULTS, slow, "test");

        write(pipeline, file, 1021);
        ValidationResult result = pipeline.finishValidation();
        pipeline.finishStorage();

        assertThat(result.isValid()).isTrue();
        assertThat(result.lines()).isEqualTo(5_000);
        assertThat(stored.toByteArray()).isEqualTo(file);
    }

    private static void write(UploadPipeline pipeline, byte[] file, int chunkSize)
            throws IOException {
        byte[] chunk = new byte[chunkSize];
        for (int off = 0; off < file.length; off += chunkSize) {
            int len = Math.min(chunkSize, file.length - off);
            System.arraycopy(file, off, chunk, 0, len);
            pipeline.write(chunk, 0, len);
        }
    }
}
