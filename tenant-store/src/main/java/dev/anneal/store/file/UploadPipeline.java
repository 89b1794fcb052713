package dev.anneal.store.file;

import dev.anneal.store.blob.PipelinedOutputStream;
import dev.anneal.store.file.format.JsonlLimits;
import dev.anneal.store.file.format.JsonlValidator;
import dev.anneal.store.file.format.ValidationResult;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two stages an upload's bytes go through beside the request thread that reads them: validation
 * ({@link JsonlValidator}) on one worker thread, storage (encryption and the blob's writes) on
 * another. The request thread copies each chunk once and hands the copy to both, so reading the
 * request, validating and encrypting all run at once, on as many cores as there are. Each stage
 * holds at most a few chunks ({@link PipelinedOutputStream}), so memory stays bounded whatever the
 * size of the file. The copies' arrays are reused once both stages are done with them: a fresh
 * array per chunk was a third of what an upload allocated, and the garbage collector's work.
 *
 * <p>What validation finds reaches the request thread a few chunks late: once {@link #hasErrors} is
 * true, no more chunks go to storage, whose owner then discards what was stored; chunks still go to
 * validation until it {@link #isSaturated}, so the uploader hears of up to {@link
 * JsonlValidator#MAX_ERRORS} problems. Storage may have taken chunks past the first bad line; they
 * are discarded with the rest.
 *
 * <p>Not thread-safe: one request thread writes, then finishes or aborts it.
 */
public final class UploadPipeline {

    /**
     * Arrays enough for both stages' queues, the one each has in hand, and the one being filled.
     */
    private static final int POOLED_CHUNKS = 2 * (PipelinedOutputStream.DEPTH + 1) + 1;

    private final BlockingQueue<byte[]> freeChunks = new ArrayBlockingQueue<>(POOLED_CHUNKS);
    private int chunksMade;
    private final JsonlValidator validator;
    private final ValidatingSink validatingSink;
    private final PipelinedOutputStream validation;
    private final PipelinedOutputStream storage;
    private boolean validationOpen = true;
    private boolean storageOpen = true;

    /**
     * @param limits the limits the file is validated against
     * @param storage where the bytes of a valid file go, e.g. a blob's encrypting stream; closed by
     *     {@link #finishStorage}, left open by an abort
     * @param name names the worker threads, e.g. the upload's id
     */
    public UploadPipeline(JsonlLimits limits, OutputStream storage, String name) {
        this.validator = new JsonlValidator(limits);
        this.validatingSink = new ValidatingSink(validator);
        this.validation = new PipelinedOutputStream(validatingSink, "validate-" + name);
        this.storage = new PipelinedOutputStream(storage, "store-" + name);
    }

    /**
     * Hands {@code buffer[offset, offset+length)} to both stages; the caller may reuse {@code
     * buffer} at once.
     *
     * @throws IOException if storage failed
     */
    public void write(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        boolean toValidation = validationOpen && !validatingSink.saturated;
        boolean toStorage = storageOpen && !validatingSink.errors;
        if (!toValidation && !toStorage) {
            return;
        }
        byte[] chunk = freeChunk(length);
        System.arraycopy(buffer, offset, chunk, 0, length);
        AtomicInteger users = new AtomicInteger(toValidation && toStorage ? 2 : 1);
        Runnable done =
                () -> {
                    if (users.decrementAndGet() == 0) {
                        freeChunks.offer(chunk);
                    }
                };
        if (toValidation) {
            validation.writeOwned(chunk, length, done);
        }
        if (toStorage) {
            storage.writeOwned(chunk, length, done);
        }
    }

    /**
     * An array of at least {@code length} bytes that no stage uses: a free one, a new one while
     * fewer than {@value #POOLED_CHUNKS} exist, or the next one a stage is done with.
     */
    private byte[] freeChunk(int length) throws InterruptedIOException {
        byte[] chunk = freeChunks.poll();
        if (chunk == null && chunksMade < POOLED_CHUNKS) {
            chunksMade++;
            return new byte[length];
        }
        if (chunk == null) {
            try {
                chunk = freeChunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted while waiting for a chunk");
            }
        }
        return chunk.length >= length ? chunk : new byte[length];
    }

    /** Whether validation found a problem so far; the file will be refused. */
    public boolean hasErrors() {
        return validatingSink.errors;
    }

    /** True once enough errors are known that reading the rest would add nothing. */
    public boolean isSaturated() {
        return validatingSink.saturated;
    }

    /** Waits until every chunk written is validated; the outcome of the whole file. */
    public ValidationResult finishValidation() {
        if (validationOpen) {
            validationOpen = false;
            try {
                validation.close();
            } catch (IOException e) {
                throw new IllegalStateException("validation cannot fail with an I/O error", e);
            }
        }
        return validator.finish();
    }

    /** Waits until every chunk written is stored, then closes the storage stream. */
    public void finishStorage() throws IOException {
        if (!storageOpen) {
            throw new IllegalStateException("storage was aborted");
        }
        storageOpen = false;
        storage.close();
    }

    /** Drops what storage has not taken yet and stops its thread; nothing more is stored. */
    public void abortStorage() {
        if (storageOpen) {
            storageOpen = false;
            storage.abort();
        }
    }

    /** Stops both stages, dropping what they have not taken yet. */
    public void abort() {
        abortStorage();
        if (validationOpen) {
            validationOpen = false;
            validation.abort();
        }
    }

    /**
     * Feeds the validator on the validation thread and publishes what it found to the request
     * thread.
     */
    private static final class ValidatingSink extends OutputStream {

        private final JsonlValidator validator;
        private volatile boolean errors;
        private volatile boolean saturated;

        ValidatingSink(JsonlValidator validator) {
            this.validator = validator;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (!saturated) {
                validator.accept(b, off, len);
                errors = validator.hasErrors();
                saturated = validator.isSaturated();
            }
        }
    }
}
