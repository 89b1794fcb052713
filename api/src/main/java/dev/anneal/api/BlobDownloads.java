package dev.anneal.api;

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
 * Streams a tenant's stored archive (a checkpoint, a model) to the client, decrypted as it goes.
 */
@ApplicationScoped
public class BlobDownloads {

    private final BlobStore blobs;
    private final TenantKeyRing keyRing;

    @Inject
    BlobDownloads(BlobStore blobs, TenantKeyRing keyRing) {
        this.blobs = blobs;
        this.keyRing = keyRing;
    }

    /** A zip download of the blob {@code blobName} of {@code tenantId}, {@code bytes} long. */
    public Response zip(String tenantId, String blobName, long bytes, String filename) {
        InputStream content;
        try {
            content = blobs.open(new BlobKey(tenantId, blobName), keyRing.dataKeyOf(tenantId));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open " + blobName, e);
        }
        StreamingOutput output =
                out -> {
                    try (InputStream in = content) {
                        in.transferTo(out);
                    }
                };
        return Response.ok(output, "application/zip")
                .header(HttpHeaders.CONTENT_LENGTH, bytes)
                .header("Content-Disposition", "attachment; filename=\"" + filename + "\"")
                .build();
    }
}
