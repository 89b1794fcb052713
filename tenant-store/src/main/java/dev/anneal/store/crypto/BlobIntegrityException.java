package dev.anneal.store.crypto;

import java.io.IOException;

/**
 * An encrypted blob failed authentication while being read: it was tampered with, truncated,
 * extended or reordered, or is being read with the wrong data key or blob id. No plaintext of the
 * failing segment was returned.
 */
public class BlobIntegrityException extends IOException {

    public BlobIntegrityException(String message) {
        super(message);
    }

    public BlobIntegrityException(String message, Throwable cause) {
        super(message, cause);
    }
}
