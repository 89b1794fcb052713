package dev.anneal.store.blob;

import dev.anneal.store.DomainException;

/** A write would leave the data disk with less than its reserve; nothing of it is kept. */
public class InsufficientStorageException extends DomainException {

    public InsufficientStorageException(long freeBytes, long minFreeBytes) {
        super(
                "The server's storage is nearly full ("
                        + freeBytes / (1024 * 1024)
                        + " MiB free, "
                        + minFreeBytes / (1024 * 1024)
                        + " MiB kept in reserve); try again later or ask the operator to free"
                        + " space.",
                null,
                "insufficient_storage");
    }
}
