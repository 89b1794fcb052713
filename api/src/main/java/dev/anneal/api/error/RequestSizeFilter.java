package dev.anneal.api.error;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses bodies that announce a size beyond what their route accepts ({@link BodyLimits}), before
 * reading a byte of them. Bodies without a declared length are cut off as they arrive: uploads by
 * the upload itself as soon as they pass the limit, other bodies by {@link StreamedBodyLimit}.
 */
public class RequestSizeFilter {

    private final BodyLimits limits;

    @Inject
    RequestSizeFilter(BodyLimits limits) {
        this.limits = limits;
    }

    @ServerRequestFilter(preMatching = true)
    public void checkDeclaredLength(ContainerRequestContext request) {
        long length = request.getLength();
        if (length < 0) {
            return;
        }
        MediaType type = request.getMediaType();
        boolean multipart = type != null && type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE);
        long limit = limits.limit(request.getUriInfo().getPath(), multipart);
        if (length > limit) {
            throw new ApiException(
                    413,
                    ErrorType.INVALID_REQUEST,
                    multipart
                            ? "File is larger than the limit of "
                                    + limits.maxUploadBytes()
                                    + " bytes (anneal.files.max-bytes)."
                            : "The request body is larger than " + limit + " bytes.",
                    multipart ? "file" : null,
                    multipart ? "file_too_large" : "request_too_large");
        }
    }
}
