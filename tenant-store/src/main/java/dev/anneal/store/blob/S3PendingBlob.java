package dev.anneal.store.blob;

import dev.anneal.store.crypto.DataKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A {@link PendingBlob} of {@link S3BlobStore}: ciphertext collects in one part-sized buffer (grown
 * as needed, so a small blob takes little memory); each full buffer goes out as a part of a
 * multipart upload, begun with the first full part. The commit sends the rest, as the last part or,
 * for a blob that never filled one, as the whole object.
 */
final class S3PendingBlob extends EncryptingPendingBlob {

    private static final int FIRST_BUFFER = 64 * 1024;
    private static final int PRECONDITION_FAILED = 412;

    private final S3BlobStore store;
    private final S3Client s3;
    private final S3Settings settings;
    private final BlobKey key;
    private final String objectKey;
    private final List<CompletedPart> parts = new ArrayList<>();
    private byte[] buffer = new byte[FIRST_BUFFER];
    private int buffered;
    private String uploadId;

    S3PendingBlob(S3BlobStore store, BlobKey key, String objectKey, DataKey dataKey) {
        super(key, dataKey);
        this.store = store;
        this.s3 = store.client();
        this.settings = store.settings();
        this.key = key;
        this.objectKey = objectKey;
    }

    @Override
    OutputStream ciphertextSink() {
        return new PartSink();
    }

    @Override
    void publish() throws IOException {
        if (store.exists(key)) {
            throw new FileAlreadyExistsException(key.blobId());
        }
        try {
            if (uploadId == null) {
                s3.putObject(
                        b -> b.bucket(settings.bucket()).key(objectKey).ifNoneMatch("*"), body());
            } else {
                sendPart();
                s3.completeMultipartUpload(
                        b ->
                                b.bucket(settings.bucket())
                                        .key(objectKey)
                                        .uploadId(uploadId)
                                        .ifNoneMatch("*")
                                        .multipartUpload(m -> m.parts(parts)));
            }
        } catch (S3Exception e) {
            if (e.statusCode() == PRECONDITION_FAILED) {
                throw new FileAlreadyExistsException(key.blobId());
            }
            throw store.failure("commit", key, e);
        } catch (SdkException e) {
            throw store.failure("commit", key, e);
        }
        buffer = null;
    }

    @Override
    void discard() {
        buffer = null;
        if (uploadId != null) {
            try {
                s3.abortMultipartUpload(
                        b -> b.bucket(settings.bucket()).key(objectKey).uploadId(uploadId));
            } catch (NoSuchUploadException e) {
                // Aborted already: swept, or its tenant deleted.
            } catch (SdkException e) {
                throw new UncheckedIOException(store.failure("discard", key, e));
            }
        }
    }

    /** Sends the buffer as the next part, beginning the multipart upload if need be. */
    private void sendPart() throws IOException {
        try {
            if (uploadId == null) {
                uploadId =
                        s3.createMultipartUpload(b -> b.bucket(settings.bucket()).key(objectKey))
                                .uploadId();
            }
            int number = parts.size() + 1;
            String etag =
                    s3.uploadPart(
                                    b ->
                                            b.bucket(settings.bucket())
                                                    .key(objectKey)
                                                    .uploadId(uploadId)
                                                    .partNumber(number),
                                    body())
                            .eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            buffered = 0;
        } catch (SdkException e) {
            throw store.failure("upload part of", key, e);
        }
    }

    /** The buffered ciphertext, read in place (again on a retry), not copied. */
    private RequestBody body() {
        byte[] bytes = buffer;
        int length = buffered;
        return RequestBody.fromContentProvider(
                () -> new ByteArrayInputStream(bytes, 0, length),
                length,
                "application/octet-stream");
    }

    /** Collects ciphertext into the buffer and sends each full one as a part. */
    private final class PartSink extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (discarded()) {
                throw new IOException("Blob " + key.name() + " was discarded.");
            }
            while (len > 0) {
                if (buffered == buffer.length) {
                    if (buffer.length < settings.partSize()) {
                        buffer =
                                Arrays.copyOf(
                                        buffer, Math.min(settings.partSize(), buffer.length * 4));
                    } else {
                        sendPart();
                    }
                }
                int n = Math.min(len, buffer.length - buffered);
                System.arraycopy(b, off, buffer, buffered, n);
                buffered += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void close() {
            // What is buffered goes out at the commit.
        }
    }
}
