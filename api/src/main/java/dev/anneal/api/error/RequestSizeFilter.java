package dev.anneal.api.error;

import dev.anneal.store.file.FileLimits;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses bodies that announce a size beyond what their route accepts, before reading a byte of
 * them: uploads beyond {@code anneal.files.max-bytes} (plus room for the multipart framing),
 * batches of feedback beyond {@value #MAX_FEEDBACK_BYTES} bytes, other bodies beyond {@value
 * #MAX_JSON_BYTES} bytes. Uploads without a length are still cut off by the upload itself as soon
 * as they pass the limit.
 */
public class RequestSizeFilter {

    static final long MAX_JSON_BYTES = 1024 * 1024;

    /** Room for a batch of 1,000 feedback records of 16 KiB each. */
    static final long MAX_FEEDBACK_BYTES = 16 * 1024 * 1024;

    private static final String FEEDBACK_PATH = "v1/feedback";
    private static final long MULTIPART_OVERHEAD = 64 * 1024;

    private final FileLimits fileLimits;

    @Inject
    RequestSizeFilter(FileLimits fileLimits) {
        this.fileLimits = fileLimits;
    }

    @ServerRequestFilter(preMatching = true)
    public void checkDeclaredLength(ContainerRequestContext request) {
        long length = request.getLength();
        if (length < 0) {
            return;
        }
        MediaType type = request.getMediaType();
        boolean multipart = type != null && type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE);
        boolean feedback =
                request.getUriInfo().getPath().replaceFirst("^/", "").equals(FEEDBACK_PATH);
        long limit =
                multipart
                        ? fileLimits.maxBytes().asLongValue() + MULTIPART_OVERHEAD
                        : feedback ? MAX_FEEDBACK_BYTES : MAX_JSON_BYTES;
        if (length > limit) {
            throw new ApiException(
                    413,
                    ErrorType.INVALID_REQUEST,
                    multipart
                            ? "File is larger than the limit of "
                                    + fileLimits.maxBytes().asLongValue()
                                    + " bytes (anneal.files.max-bytes)."
                            : "The request body is larger than " + limit + " bytes.",
                    multipart ? "file" : null,
                    multipart ? "file_too_large" : "request_too_large");
        }
    }
}
