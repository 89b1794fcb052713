package dev.anneal.api.file;

import dev.anneal.store.file.StoredFile;

/**
 * OpenAI's file object, plus what validation learnt of the file: its dataset {@code format} and its
 * number of data lines.
 */
public record FileObject(
        String id,
        String object,
        long bytes,
        long createdAt,
        Long expiresAt,
        String filename,
        String purpose,
        String status,
        String statusDetails,
        String format,
        long lineCount) {

    public static FileObject of(StoredFile file) {
        return new FileObject(
                file.id(),
                "file",
                file.bytes(),
                file.createdAt().getEpochSecond(),
                null,
                file.filename(),
                file.purpose().wireName(),
                file.status(),
                null,
                file.formatName(),
                file.lineCount());
    }
}
