package dev.anneal.store.blob;

import java.io.IOException;

/** The blob asked for does not exist (or has not been committed yet). */
public class NoSuchBlobException extends IOException {

    private final transient BlobKey key;

    public NoSuchBlobException(BlobKey key) {
        super("No blob '" + key.name() + "' for tenant '" + key.tenantId() + "'.");
        this.key = key;
    }

    /** The key that was looked up. */
    public BlobKey key() {
        return key;
    }
}
