package dev.anneal.store.file;

import dev.anneal.store.DomainException;

/** An upload passed the configured size limit; nothing of it is kept. */
public class FileTooLargeException extends DomainException {

    public FileTooLargeException(long maxBytes) {
        super(
                "File is larger than the limit of " + maxBytes + " bytes (anneal.files.max-bytes).",
                "file",
                "file_too_large");
    }
}
