package dev.anneal.store.file;

import dev.anneal.store.Ids;
import dev.anneal.store.NotFoundException;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.blob.DataDisk;
import dev.anneal.store.blob.InsufficientStorageException;
import dev.anneal.store.blob.PendingBlob;
import dev.anneal.store.file.format.JsonlLimits;
import dev.anneal.store.quota.Quotas;
import dev.anneal.store.tenant.CurrentTenant;
import dev.anneal.store.tenant.TenantKeyRing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * The current tenant's files: uploads validated and encrypted as they stream in, downloads
 * decrypted as they stream out, and deletion of record and blob together.
 */
@ApplicationScoped
public class FileService {

    private static final Logger LOG = Logger.getLogger(FileService.class);

    private final FileRepository repository;
    private final BlobStore blobs;
    private final TenantKeyRing keyRing;
    private final CurrentTenant currentTenant;
    private final FileLimits limits;
    private final DataDisk disk;
    private final Quotas quotas;

    @Inject
    FileService(
            FileRepository repository,
            BlobStore blobs,
            TenantKeyRing keyRing,
            CurrentTenant currentTenant,
            FileLimits limits,
            DataDisk disk,
            Quotas quotas) {
        this.repository = repository;
        this.blobs = blobs;
        this.keyRing = keyRing;
        this.currentTenant = currentTenant;
        this.limits = limits;
        this.disk = disk;
        this.quotas = quotas;
    }

    /**
     * Starts an upload for the current tenant. The caller writes the bytes as they arrive, then
     * completes it; closing it uncompleted discards everything.
     *
     * @param filename the name the client gave
     * @param expectedBytes the size announced, or 0 when unknown
     * @throws InsufficientStorageException if the data disk is at its reserve, or would be with the
     *     announced size
     * @throws dev.anneal.store.quota.QuotaExceededException if the tenant has its quota of files,
     *     or of stored bytes with the announced size
     */
    public FileUpload begin(String filename, long expectedBytes) {
        disk.requireRoom(expectedBytes);
        String tenantId = currentTenant.require();
        long storageLeft = quotas.requireRoomForFile(tenantId, expectedBytes);
        String id = Ids.newId("file");
        BlobKey blobKey = new BlobKey(tenantId, id);
        try {
            return new FileUpload(
                    id,
                    FileUpload.cleanFilename(filename),
                    blobs,
                    blobKey,
                    blobs.create(blobKey, keyRing.dataKeyOf(tenantId)),
                    new JsonlLimits(
                            Math.toIntExact(limits.maxLineBytes().asLongValue()),
                            limits.maxLines()),
                    limits.maxBytes().asLongValue(),
                    storageLeft,
                    disk,
                    repository);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open a blob for the upload", e);
        }
    }

    /**
     * Stores a file the platform produced for the current tenant (a job's metrics CSV), whole,
     * under purpose {@link FilePurpose#FINE_TUNE_RESULTS}.
     */
    public StoredFile storeResult(String filename, byte[] csv) {
        String tenantId = currentTenant.require();
        String id = Ids.newId("file");
        BlobKey blobKey = new BlobKey(tenantId, id);
        try (PendingBlob blob = blobs.create(blobKey, keyRing.dataKeyOf(tenantId))) {
            blob.output().write(csv);
            blob.output().close();
            blob.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not store " + filename, e);
        }
        long lines = 0;
        for (byte b : csv) {
            lines += b == '\n' ? 1 : 0;
        }
        StoredFile file =
                new StoredFile(
                        id,
                        filename,
                        FilePurpose.FINE_TUNE_RESULTS,
                        csv.length,
                        StoredFile.CSV,
                        lines,
                        Instant.now().truncatedTo(ChronoUnit.MICROS));
        try {
            repository.insert(file);
        } catch (RuntimeException e) {
            deleteBlob(blobKey);
            throw e;
        }
        return file;
    }

    public StoredFile get(String id) {
        return repository.get(id, "file_id");
    }

    /** The exact bytes uploaded, decrypted as they are read. The caller closes the stream. */
    public InputStream openContent(String id) {
        StoredFile file = get(id);
        String tenantId = currentTenant.require();
        try {
            return blobs.open(new BlobKey(tenantId, file.id()), keyRing.dataKeysOf(tenantId));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open the content of " + id, e);
        }
    }

    /** Deletes the record, then the blob; the file is gone for the caller either way. */
    public void delete(String id) {
        if (!repository.delete(id)) {
            throw new NotFoundException("file", id, "file_id");
        }
        deleteBlob(new BlobKey(currentTenant.require(), id));
    }

    private void deleteBlob(BlobKey key) {
        try {
            blobs.delete(key);
        } catch (IOException e) {
            // No record reaches the blob any more; it stays encrypted.
            LOG.errorf(e, "Could not delete blob %s", key.blobId());
        }
    }
}
