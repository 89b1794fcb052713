package dev.anneal.api.error;

import dev.anneal.store.file.FileLimits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The most bytes a request body may hold, by route: uploads up to {@code anneal.files.max-bytes}
 * (plus room for the multipart framing), a batch of feedback {@value #MAX_FEEDBACK_BYTES} bytes,
 * any other body {@value #MAX_JSON_BYTES} bytes. Enforced on the declared length before a byte is
 * read ({@link RequestSizeFilter}) and on the bytes actually read when no length is declared
 * ({@link StreamedBodyLimit}).
 */
@ApplicationScoped
public class BodyLimits {

    static final long MAX_JSON_BYTES = 1024 * 1024;

    /** Room for a batch of 1,000 feedback records of 16 KiB each. */
    static final long MAX_FEEDBACK_BYTES = 16 * 1024 * 1024;

    private static final String FEEDBACK_PATH = "/v1/feedback";
    private static final long MULTIPART_OVERHEAD = 64 * 1024;

    private final FileLimits fileLimits;

    @Inject
    BodyLimits(FileLimits fileLimits) {
        this.fileLimits = fileLimits;
    }

    /**
     * The limit of one request's body.
     *
     * @param path the request path, with or without its leading slash
     * @param multipart whether the body is {@code multipart/form-data} (an upload)
     */
    long limit(String path, boolean multipart) {
        if (multipart) {
            return maxUploadBytes() + MULTIPART_OVERHEAD;
        }
        String normalised = path.startsWith("/") ? path : "/" + path;
        return normalised.equals(FEEDBACK_PATH) ? MAX_FEEDBACK_BYTES : MAX_JSON_BYTES;
    }

    /** The largest file an upload may carry. */
    long maxUploadBytes() {
        return fileLimits.maxBytes().asLongValue();
    }
}
