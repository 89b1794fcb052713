package dev.anneal.store.blob;

import dev.anneal.store.crypto.DataKey;
import dev.anneal.store.crypto.SegmentedAesGcm;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link BlobStore} on an S3-compatible object store, which every node of a distributed
 * installation reaches alike (so a job's checkpoints outlive the node that wrote them). Layout:
 *
 * <pre>
 * s3://&lt;bucket&gt;/&lt;prefix&gt;&lt;tenantId&gt;/&lt;name&gt;    a committed blob
 * </pre>
 *
 * Objects hold only ciphertext, in the {@link SegmentedAesGcm} format with the blob id {@link
 * BlobKey#blobId()}, encrypted here before a byte leaves the process: the object store never sees
 * plaintext or a key.
 *
 * <p>A blob up to one part ({@link S3Settings#partSize()}) is stored by one {@code PutObject} at
 * its commit; a larger one streams by multipart upload, one part at a time, so an upload of any
 * size holds at most one part in memory. Either way the object appears whole at the commit, or not
 * at all, and never replaces an existing one ({@code If-None-Match: *}, after a look for it on
 * services that ignore that condition). A writer that crashes leaves an unfinished multipart
 * upload, invisible to readers, which {@link #sweepPending(Duration)} aborts.
 *
 * <p>Thread-safe: the client is, and the store keeps no other state.
 */
public final class S3BlobStore implements BlobStore {

    private final S3Client s3;
    private final S3Settings settings;

    /** A store on {@code s3}, which it closes in {@link #close()}. */
    public S3BlobStore(S3Client s3, S3Settings settings) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Checks that the bucket exists and these credentials may use it.
     *
     * @throws IOException saying which bucket, where, and what the service answered
     */
    public void checkBucket() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(settings.bucket()));
        } catch (SdkException e) {
            String why =
                    e instanceof S3Exception s && s.statusCode() == 404
                            ? "does not exist"
                            : e instanceof S3Exception s && s.statusCode() == 403
                                    ? "refuses these credentials"
                                    : "cannot be reached: " + e.getMessage();
            throw new IOException("Blob store " + settings + ": bucket " + why, e);
        }
    }

    @Override
    public PendingBlob create(BlobKey key, DataKey dataKey) throws IOException {
        Objects.requireNonNull(dataKey, "dataKey");
        return new S3PendingBlob(this, key, objectKey(key), dataKey);
    }

    @Override
    public InputStream open(BlobKey key, DataKey dataKey) throws IOException {
        Objects.requireNonNull(dataKey, "dataKey");
        InputStream ciphertext;
        try {
            ciphertext = s3.getObject(b -> b.bucket(settings.bucket()).key(objectKey(key)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchBlobException(key);
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
        return SegmentedAesGcm.decrypt(dataKey, key.blobId(), ciphertext);
    }

    @Override
    public boolean exists(BlobKey key) {
        try {
            s3.headObject(b -> b.bucket(settings.bucket()).key(objectKey(key)));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean delete(BlobKey key) throws IOException {
        if (!exists(key)) {
            return false;
        }
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(objectKey(key)));
            return true;
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public void deleteTenant(String tenantId) throws IOException {
        String tenantPrefix = settings.prefix() + BlobKey.requireSafe("tenantId", tenantId) + "/";
        try {
            for (MultipartUpload upload : pendingUploads(tenantPrefix)) {
                abort(upload);
            }
            for (S3Object object : objects(tenantPrefix)) {
                s3.deleteObject(b -> b.bucket(settings.bucket()).key(object.key()));
            }
        } catch (SdkException e) {
            throw new IOException(
                    "Could not delete the blobs of tenant " + tenantId + " in " + settings, e);
        }
    }

    @Override
    public List<BlobKey> committedBefore(Instant before) throws IOException {
        List<BlobKey> found = new ArrayList<>();
        try {
            for (S3Object object : objects(settings.prefix())) {
                if (object.lastModified().isBefore(before)) {
                    blobKey(object.key()).ifPresent(found::add);
                }
            }
        } catch (SdkException e) {
            throw new IOException("Could not list the blobs in " + settings, e);
        }
        return found;
    }

    /**
     * Aborts multipart uploads begun more than {@code olderThan} ago: left by writers that crashed,
     * they hold storage but are never visible. Choose an age well beyond the slowest upload: a live
     * writer whose upload is aborted fails at commit.
     */
    @Override
    public int sweepPending(Duration olderThan) throws IOException {
        Instant cutoff = Instant.now().minus(olderThan);
        int aborted = 0;
        try {
            for (MultipartUpload upload : pendingUploads(settings.prefix())) {
                if (upload.initiated().isBefore(cutoff)) {
                    abort(upload);
                    aborted++;
                }
            }
        } catch (SdkException e) {
            throw new IOException("Could not list unfinished uploads in " + settings, e);
        }
        return aborted;
    }

    @Override
    public void close() {
        s3.close();
    }

    S3Client client() {
        return s3;
    }

    S3Settings settings() {
        return settings;
    }

    IOException failure(String action, BlobKey key, SdkException e) {
        return new IOException(
                "Could not " + action + " blob " + key.blobId() + " in " + settings + ": " + e, e);
    }

    private Iterable<S3Object> objects(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix))
                .contents();
    }

    private Iterable<MultipartUpload> pendingUploads(String prefix) {
        return s3.listMultipartUploadsPaginator(b -> b.bucket(settings.bucket()).prefix(prefix))
                .uploads();
    }

    private void abort(MultipartUpload upload) {
        s3.abortMultipartUpload(
                b -> b.bucket(settings.bucket()).key(upload.key()).uploadId(upload.uploadId()));
    }

    private String objectKey(BlobKey key) {
        return settings.prefix() + key.tenantId() + "/" + key.name();
    }

    /** The blob an object key names, if it is one (a bucket may hold other things). */
    private Optional<BlobKey> blobKey(String objectKey) {
        String rest = objectKey.substring(settings.prefix().length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new BlobKey(rest.substring(0, slash), rest.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + settings + "]";
    }
}
