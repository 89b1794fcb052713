package dev.anneal.store.file;

import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.blob.DataDisk;
import dev.anneal.store.blob.InsufficientStorageException;
import dev.anneal.store.blob.PendingBlob;
import dev.anneal.store.file.format.JsonlLimits;
import dev.anneal.store.file.format.ValidationResult;
import dev.anneal.store.quota.Quotas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One upload in progress: each chunk is counted, then validated and, while the file is still valid,
 * encrypted into a pending blob, both on worker threads ({@link UploadPipeline}). Only {@link
 * #complete} makes the file exist; closing the upload in any other state leaves nothing behind.
 *
 * <p>Not thread-safe: one request thread writes, completes and closes it.
 */
public final class FileUpload implements AutoCloseable {

    private static final int MAX_FILENAME_LENGTH = 255;

    /** How often a long upload looks at the data disk's free space. */
    private static final long DISK_CHECK_BYTES = 64L * 1024 * 1024;

    private final String id;
    private final String filename;
    private final BlobStore blobs;
    private final BlobKey blobKey;
    private final PendingBlob blob;

    /** Validation, and encryption with the disk writes, each on its own thread. */
    private final UploadPipeline pipeline;

    private final long maxBytes;
    private final long storageLeft;
    private final DataDisk disk;
    private final FileRepository repository;
    private long bytes;
    private long checkedDiskAt;
    private boolean blobOpen = true;
    private boolean completed;

    FileUpload(
            String id,
            String filename,
            BlobStore blobs,
            BlobKey blobKey,
            PendingBlob blob,
            JsonlLimits limits,
            long maxBytes,
            long storageLeft,
            DataDisk disk,
            FileRepository repository) {
        this.id = id;
        this.filename = filename;
        this.blobs = blobs;
        this.blobKey = blobKey;
        this.blob = blob;
        this.pipeline = new UploadPipeline(limits, blob.output(), id);
        this.maxBytes = maxBytes;
        this.storageLeft = storageLeft;
        this.disk = disk;
        this.repository = repository;
    }

    /**
     * Takes the next chunk of the file.
     *
     * @throws FileTooLargeException as soon as the file passes the size limit
     */
    public void write(byte[] buffer, int offset, int length) {
        bytes += length;
        if (bytes > maxBytes) {
            discardBlob();
            throw new FileTooLargeException(maxBytes);
        }
        if (bytes > storageLeft) {
            discardBlob();
            throw Quotas.storageLeftPassed(storageLeft);
        }
        if (bytes - checkedDiskAt >= DISK_CHECK_BYTES) {
            checkedDiskAt = bytes;
            try {
                disk.requireRoom(DISK_CHECK_BYTES);
            } catch (InsufficientStorageException e) {
                discardBlob();
                throw e;
            }
        }
        if (pipeline.hasErrors()) {
            discardBlob(); // the file will be refused: stop writing it at once
        }
        try {
            pipeline.write(buffer, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the upload", e);
        }
    }

    /** True once enough errors are known that reading the rest would add nothing. */
    public boolean isSaturated() {
        return pipeline.isSaturated();
    }

    /**
     * Ends the upload: a valid file is committed and recorded; an invalid one is refused.
     *
     * @throws InvalidFileException when the file broke a rule, naming the lines at fault
     */
    public StoredFile complete(FilePurpose purpose) {
        ValidationResult result = pipeline.finishValidation();
        if (!result.isValid()) {
            discardBlob();
            throw new InvalidFileException(result);
        }
        try {
            pipeline.finishStorage();
            blob.commit();
            blobOpen = false;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not store the upload", e);
        }
        StoredFile file =
                new StoredFile(
                        id,
                        filename,
                        purpose,
                        bytes,
                        result.format().wireName(),
                        result.lines(),
                        Instant.now().truncatedTo(ChronoUnit.MICROS));
        try {
            repository.insertUpload(file);
        } catch (RuntimeException e) {
            deleteCommittedBlob(e);
            throw e;
        }
        completed = true;
        return file;
    }

    /** Discards everything written unless the upload completed. */
    @Override
    public void close() {
        if (!completed) {
            pipeline.abort();
            discardBlob();
        }
    }

    private void discardBlob() {
        if (blobOpen) {
            blobOpen = false;
            pipeline.abortStorage();
            blob.close();
        }
    }

    private void deleteCommittedBlob(RuntimeException cause) {
        try {
            blobs.delete(blobKey);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /** The last path segment of a client's file name, without control characters. */
    static String cleanFilename(String raw) {
        String name = raw == null ? "" : raw;
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        name = name.replaceAll("\\p{Cntrl}", "").strip();
        if (name.isEmpty()) {
            return "upload.jsonl";
        }
        return name.length() > MAX_FILENAME_LENGTH ? name.substring(0, MAX_FILENAME_LENGTH) : name;
    }
}
