package dev.anneal.api;

import dev.anneal.api.auth.CurrentKey;
import dev.anneal.api.auth.KeyWatch;
import dev.anneal.store.blob.BlobKey;
import dev.anneal.store.blob.BlobStore;
import dev.anneal.store.tenant.TenantKeyRing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Streams a tenant's stored content (a file, a checkpoint, a model) to the client, decrypted as it
 * goes, for as long as the request's key works.
 */
@ApplicationScoped
public class BlobDownloads {

    private static final int CHUNK = 64 * 1024;

    private final BlobStore blobs;
    private final TenantKeyRing keyRing;
    private final KeyWatch keyWatch;
    private final CurrentKey currentKey;

    @Inject
    BlobDownloads(
            BlobStore blobs, TenantKeyRing keyRing, KeyWatch keyWatch, CurrentKey currentKey) {
        this.blobs = blobs;
        this.keyRing = keyRing;
        this.keyWatch = keyWatch;
        this.currentKey = currentKey;
    }

    /**
     * The body of a download of {@code content}: copied as the client reads, and cut off (the
     * connection closed mid-body) once the request's key is revoked or expires.
     */
    public StreamingOutput guarded(InputStream content) {
        KeyWatch.Watch watch = keyWatch.watch(currentKey.id(), () -> {});
        return out -> {
            try (InputStream in = content;
                    watch) {
                byte[] buffer = new byte[CHUNK];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (watch.invalid()) {
                        throw new IOException("The download's API key was revoked");
                    }
                    out.write(buffer, 0, read);
                }
            }
        };
    }

    /** A zip download of the blob {@code blobName} of {@code tenantId}, {@code bytes} long. */
    public Response zip(String tenantId, String blobName, long bytes, String filename) {
        InputStream content;
        try {
            content = blobs.open(new BlobKey(tenantId, blobName), keyRing.dataKeysOf(tenantId));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open " + blobName, e);
        }
        return Response.ok(guarded(content), "application/zip")
                .header(HttpHeaders.CONTENT_LENGTH, bytes)
                .header("Content-Disposition", "attachment; filename=\"" + filename + "\"")
                .build();
    }
}
